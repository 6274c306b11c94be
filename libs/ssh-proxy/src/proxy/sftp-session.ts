import { denied, Refusals, writeAhead } from '@portcullis/session';
import type ssh2 from 'ssh2';
import { SftpFramer, SSH_FX_PERMISSION_DENIED, statusPacket } from '../sftp/sftp-packets.js';
import {
  classifyRequest,
  classifyResponse,
  type SftpOperation,
  type SftpRequest,
} from '../sftp/sftp-requests.js';
import { decideFileTransfer } from './decide-command.js';
import type { ExecDeps } from './exec-command.js';
import { relayExit } from './relay-exit.js';

/** A decided operation waiting for the host's answer, or an open handle counting bytes. */
interface Transfer {
  readonly sequence: number;
  readonly operation: SftpOperation;
  readonly path: string;
  readonly startedAt: bigint;
  bytes: number;
}

/**
 * The `sftp` subsystem, relayed to the host's sftp-server packet by packet.
 * Client→host packets are framed and read one at a time: an operation that
 * names a path (open, opendir, remove, mkdir, rmdir, rename, setstat,
 * symlink, link) is decided and written ahead before its packet is
 * forwarded, and a refused one is answered SSH_FX_PERMISSION_DENIED without
 * reaching the host. Host→client packets are relayed as they come and read
 * on the side to map handles to paths and count bytes read; bytes written
 * are counted from WRITE requests. Each decided operation is completed with
 * its byte count when its handle is closed (or with the host's status).
 */
export async function runSftp(channel: ssh2.ServerChannel, deps: ExecDeps): Promise<void> {
  const { recorder, logger } = deps;
  let upstream: ssh2.ClientChannel;
  try {
    upstream = await openSubsystem(deps.upstream, 'sftp');
  } catch (error) {
    logger.warn({ sessionId: recorder.sessionId, err: String(error) }, 'upstream sftp failed');
    channel.exit(255);
    channel.end();
    return;
  }
  const waiting = new Map<number, Transfer>(); // request id → operation awaiting HANDLE or STATUS
  const handles = new Map<string, Transfer>();
  const reads = new Map<number, Transfer>();
  const complete = (transfer: Transfer, tag: string, error?: { code: string; message: string }) =>
    void recorder
      .completed(transfer.sequence, {
        rows: null,
        durationMs: Number(process.hrtime.bigint() - transfer.startedAt) / 1e6,
        commandTag: tag,
        ...(error ? { error } : {}),
      })
      .catch((e: unknown) => logger.error({ err: String(e) }, 'could not record CommandCompleted'));
  const failClosed = (why: string) => {
    logger.warn({ sessionId: recorder.sessionId, why }, 'sftp channel closed');
    upstream.close();
    channel.close();
  };

  const responses = new SftpFramer();
  upstream.on('data', (chunk: Buffer) => {
    deps.bytes.toClient += chunk.length;
    if (!channel.write(chunk)) {
      upstream.pause();
      channel.once('drain', () => upstream.resume());
    }
    let packets: Buffer[];
    try {
      packets = responses.push(chunk);
    } catch (error) {
      return failClosed(String(error));
    }
    for (const packet of packets) {
      const response = classifyResponse(packet);
      if (response.kind === 'handle') {
        const transfer = waiting.get(response.id);
        waiting.delete(response.id);
        if (transfer) handles.set(response.handle, transfer);
      } else if (response.kind === 'data') {
        const transfer = reads.get(response.id);
        reads.delete(response.id);
        if (transfer) transfer.bytes += response.bytes;
      } else if (response.kind === 'status') {
        reads.delete(response.id);
        const transfer = waiting.get(response.id);
        waiting.delete(response.id);
        if (transfer)
          complete(
            transfer,
            response.code === 0 ? 'ok' : `status ${response.code}`,
            response.code === 0
              ? undefined
              : { code: `sftp status ${response.code}`, message: 'the host refused it' },
          );
      }
    }
  });

  const decide = async (id: number, operation: SftpOperation, paths: string[], packet: Buffer) => {
    const decision = decideFileTransfer(deps.context, 'sftp', operation, paths);
    const sequence = await writeAhead(recorder, decision, { errorCode: 'SSH_FX_PERMISSION_DENIED', logger });
    if (sequence === undefined) {
      channel.write(statusPacket(id, SSH_FX_PERMISSION_DENIED, `${denied(Refusals.auditUnavailable)}`));
      return;
    }
    if (!decision.allowed) {
      channel.write(statusPacket(id, SSH_FX_PERMISSION_DENIED, `${denied(decision.refusal)}`));
      void recorder
        .blocked(sequence, { reason: decision.refusal, errorCode: 'SSH_FX_PERMISSION_DENIED' })
        .catch((error: unknown) => logger.error({ err: String(error) }, 'could not record CommandBlocked'));
      return;
    }
    waiting.set(id, {
      sequence,
      operation,
      path: paths[0] ?? '',
      startedAt: process.hrtime.bigint(),
      bytes: 0,
    });
    upstream.write(packet);
    void recorder
      .forwarded(sequence)
      .catch((error: unknown) => logger.error({ err: String(error) }, 'could not record CommandForwarded'));
  };

  const handle = async (request: SftpRequest, packet: Buffer) => {
    switch (request.kind) {
      case 'pass':
        upstream.write(packet);
        return;
      case 'write': {
        const transfer = handles.get(request.handle);
        if (transfer) transfer.bytes += request.bytes;
        upstream.write(packet);
        return;
      }
      case 'read': {
        const transfer = handles.get(request.handle);
        if (transfer) reads.set(request.id, transfer);
        upstream.write(packet);
        return;
      }
      case 'close': {
        const transfer = handles.get(request.handle);
        handles.delete(request.handle);
        if (transfer)
          complete(
            transfer,
            transfer.operation === 'put'
              ? `wrote ${transfer.bytes} bytes`
              : transfer.operation === 'get'
                ? `read ${transfer.bytes} bytes`
                : 'listed',
          );
        upstream.write(packet);
        return;
      }
      case 'decide':
        return decide(request.id, request.operation, request.paths, packet);
      case 'handle-decide': {
        const transfer = handles.get(request.handle);
        if (!transfer) {
          channel.write(statusPacket(request.id, SSH_FX_PERMISSION_DENIED, denied('unknown handle')));
          return;
        }
        return decide(request.id, request.operation, [transfer.path], packet);
      }
      case 'refuse':
        channel.write(statusPacket(request.id, SSH_FX_PERMISSION_DENIED, `${denied(request.reason)}`));
        return;
    }
  };

  const requests = new SftpFramer();
  const queue: Buffer[] = [];
  let busy = false;
  const drain = async () => {
    busy = true;
    channel.pause();
    try {
      for (let chunk = queue.shift(); chunk; chunk = queue.shift()) {
        for (const packet of requests.push(chunk)) await handle(classifyRequest(packet), packet);
      }
    } finally {
      busy = false;
      channel.resume();
      if (clientEnded && queue.length === 0) upstream.end();
    }
  };
  channel.on('data', (chunk: Buffer) => {
    deps.bytes.fromClient += chunk.length;
    queue.push(chunk);
    if (!busy) drain().catch((error: unknown) => failClosed(String(error)));
  });
  // The client's EOF goes upstream only after every held request has been decided.
  let clientEnded = false;
  channel.on('end', () => {
    clientEnded = true;
    if (!busy) upstream.end();
  });
  channel.once('close', () => upstream.close());
  await relayExit(channel, upstream);
  for (const transfer of handles.values()) complete(transfer, `unclosed after ${transfer.bytes} bytes`);
}

function openSubsystem(upstream: ssh2.Client, name: string): Promise<ssh2.ClientChannel> {
  return new Promise((resolve, reject) =>
    upstream.subsys(name, (error, stream) => (error ? reject(error) : resolve(stream))),
  );
}
