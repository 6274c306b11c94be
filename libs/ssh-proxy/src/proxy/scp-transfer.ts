import { denied, Refusals, writeAhead } from '@portcullis/session';
import type ssh2 from 'ssh2';
import type { CommandLine } from '../command/command-line.js';
import { ScpStreamReader, type ScpItem } from '../scp/scp-stream.js';
import { decideFileTransfer } from './decide-command.js';
import { DENIED_EXIT_STATUS, type ExecDeps } from './exec-deps.js';
import { relayExit } from './relay-exit.js';

/** A legacy scp transfer read from its exec command line (`scp -t PATH` or `scp -f PATH`). */
export interface ScpRequest {
  readonly direction: 'put' | 'get';
  readonly path: string;
  /** What the host runs: re-quoted from the parsed words. */
  readonly forwarded: string;
}

const SCP_FLAGS = new Set(['r', 'p', 'd', 'v', 'q']);

/**
 * `scp -t|-f [-r -p -d -v -q] [--] PATH` (what an scp client runs on the far
 * side). Any other scp invocation is null and is decided as an ordinary
 * command.
 */
export function readScpRequest(line: CommandLine): ScpRequest | null {
  if (line.program !== 'scp' || line.problems.length > 0 || line.sudo) return null;
  let direction: 'put' | 'get' | null = null;
  const paths: string[] = [];
  let options = true;
  for (const word of line.argv.slice(1)) {
    if (options && word === '--') options = false;
    else if (options && /^-[A-Za-z]+$/.test(word)) {
      for (const flag of word.slice(1)) {
        if (flag === 't' || flag === 'f') {
          if (direction) return null;
          direction = flag === 't' ? 'put' : 'get';
        } else if (!SCP_FLAGS.has(flag)) return null;
      }
    } else paths.push(word);
  }
  if (!direction || paths.length !== 1) return null;
  return { direction, path: paths[0] as string, forwarded: line.forwarded };
}

const MAX_LISTED_FILES = 50;

/**
 * A legacy scp transfer, top to bottom: decide `scp put|get PATH` and write
 * it ahead → run scp on the host → read the source's side of the protocol:
 * uploads (`put`): every file header (`C0644 SIZE NAME`) is decided as
 * `scp put PATH NAME` and written ahead before the host sees it, a refused
 * file is answered with an scp error (`\x01…`) and its data is never sent;
 * downloads (`get`): the files the host sends are listed. The command's
 * CommandCompleted lists every file and its size.
 */
export async function runScp(
  channel: ssh2.ServerChannel,
  request: ScpRequest,
  deps: ExecDeps,
): Promise<void> {
  const { recorder, logger } = deps;
  const decision = {
    ...decideFileTransfer(deps.context, 'scp', request.direction, [request.path]),
    forwarded: request.forwarded,
  };
  const sequence = await writeAhead(recorder, decision, { errorCode: 'scp error', logger });
  if (sequence === undefined) return refuse(channel, Refusals.auditUnavailable);
  if (!decision.allowed) {
    refuse(channel, decision.refusal);
    void recorder
      .blocked(sequence, { reason: decision.refusal, errorCode: `exit ${DENIED_EXIT_STATUS}` })
      .catch((error: unknown) => logger.error({ err: String(error) }, 'could not record CommandBlocked'));
    return;
  }
  const startedAt = process.hrtime.bigint();
  let upstream: ssh2.ClientChannel;
  try {
    upstream = await new Promise<ssh2.ClientChannel>((resolve, reject) =>
      deps.upstream.exec(request.forwarded, (error, stream) => (error ? reject(error) : resolve(stream))),
    );
  } catch (error) {
    channel.stderr.write('portcullis: the target host did not run scp\n');
    channel.exit(255);
    channel.end();
    void recorder
      .completed(sequence, {
        rows: null,
        durationMs: 0,
        error: { code: 'upstream_exec_failed', message: String(error) },
      })
      .catch(() => undefined);
    return;
  }
  void recorder.forwarded(sequence).catch(() => undefined);
  const files: string[] = [];
  let total = 0;
  const note = (name: string, size: number, refused = false) => {
    total += refused ? 0 : size;
    if (files.length < MAX_LISTED_FILES) files.push(`${name} (${size} bytes${refused ? ', refused' : ''})`);
    else if (files.length === MAX_LISTED_FILES) files.push('…');
  };
  const reader = new ScpStreamReader();
  const source = request.direction === 'put' ? channel : upstream;
  const sink = request.direction === 'put' ? upstream : channel;
  const other = request.direction === 'put' ? upstream : channel;
  const otherSink = request.direction === 'put' ? channel : upstream;
  other.on('data', (chunk: Buffer) => {
    deps.bytes[request.direction === 'put' ? 'toClient' : 'fromClient'] += chunk.length;
    otherSink.write(chunk);
  });
  upstream.stderr.on('data', (chunk: Buffer) => {
    deps.bytes.toClient += chunk.length;
    channel.stderr.write(chunk);
  });

  const onItem = async (item: ScpItem) => {
    if (item.kind !== 'file') return void sink.write(item.kind === 'bytes' ? item.bytes : item.line);
    if (request.direction === 'get') {
      note(item.name, item.size);
      reader.verdict(true);
      return void sink.write(item.line);
    }
    const file = decideFileTransfer(deps.context, 'scp', 'put', [request.path, item.name]);
    const fileSequence = await writeAhead(recorder, file, { errorCode: 'scp error', logger: deps.logger });
    if (fileSequence === undefined || !file.allowed) {
      const reason = fileSequence === undefined ? Refusals.auditUnavailable : file.refusal;
      note(item.name, item.size, true);
      reader.verdict(false);
      // The scp sink's error answer: the source reports it and skips this file's data.
      channel.write(`\x01scp: ${denied(`${item.name}: ${reason}`)}\n`);
      if (fileSequence !== undefined)
        void recorder.blocked(fileSequence, { reason, errorCode: 'scp error' }).catch(() => undefined);
      return;
    }
    note(item.name, item.size);
    reader.verdict(true);
    sink.write(item.line);
    void recorder
      .completed(fileSequence, { rows: null, durationMs: 0, commandTag: `${item.size} bytes` })
      .catch(() => undefined);
  };
  let busy = false;
  const pump = async () => {
    busy = true;
    source.pause();
    try {
      for (let item = reader.next(); item; item = reader.next()) await onItem(item);
    } finally {
      busy = false;
      source.resume();
      if (clientEnded) upstream.end();
    }
  };
  source.on('data', (chunk: Buffer) => {
    deps.bytes[request.direction === 'put' ? 'fromClient' : 'toClient'] += chunk.length;
    reader.push(chunk);
    if (!busy)
      pump().catch((error: unknown) => {
        logger.warn({ sessionId: recorder.sessionId, err: String(error) }, 'scp stream refused');
        channel.stderr.write(`portcullis: ${error instanceof Error ? error.message : String(error)}\n`);
        upstream.close();
      });
  });
  // The client's EOF goes upstream only after every held file header has been decided.
  let clientEnded = false;
  channel.on('end', () => {
    clientEnded = true;
    if (!busy) upstream.end();
  });
  channel.once('close', () => upstream.close());
  const exit = await relayExit(channel, upstream);
  void recorder
    .completed(sequence, {
      rows: null,
      durationMs: Number(process.hrtime.bigint() - startedAt) / 1e6,
      commandTag: `${request.direction === 'put' ? 'received' : 'sent'} ${total} bytes: ${files.join(', ') || 'no files'}; ${exit.tag}`,
      ...(exit.error ? { error: exit.error } : {}),
    })
    .catch((error: unknown) => logger.error({ err: String(error) }, 'could not record CommandCompleted'));
}

function refuse(channel: ssh2.ServerChannel, reason: string): void {
  channel.stderr.write(`${denied(reason)}\n`);
  channel.exit(DENIED_EXIT_STATUS);
  channel.end();
}
