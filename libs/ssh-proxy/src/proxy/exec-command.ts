import type ssh2 from 'ssh2';
import type { SessionRecorder } from '@portcullis/audit';
import { decideCommand, type CommandContext } from './decide-command.js';
import type { ProxyLogger } from './proxy-options.js';

/** Exit status of a refused command: "found but cannot execute", as a shell reports it. */
export const DENIED_EXIT_STATUS = 126;

/** Channel payload bytes of a session, for SessionClosed. */
export interface ByteCounters {
  fromClient: number;
  toClient: number;
}

export interface ExecDeps {
  readonly context: CommandContext;
  readonly recorder: SessionRecorder;
  readonly upstream: ssh2.Client;
  readonly bytes: ByteCounters;
  readonly logger: ProxyLogger;
}

/**
 * One `exec` request, top to bottom: decide → write-ahead (CommandReceived +
 * CommandDecided durable) → refuse (stderr, exit 126, CommandBlocked) or run
 * it on an upstream exec channel and relay stdin/stdout/stderr and the exit
 * status (CommandForwarded, CommandCompleted). The client's stdin stays
 * buffered in its channel until the upstream channel exists, so nothing of
 * the command reaches the host before the decision is durable.
 */
export async function runExec(channel: ssh2.ServerChannel, text: string, deps: ExecDeps): Promise<void> {
  const { recorder, logger } = deps;
  deps.bytes.fromClient += Buffer.byteLength(text);
  const decision = decideCommand(deps.context, text);
  let sequence: number;
  try {
    sequence = await recorder.decide(decision.received, decision.decided);
  } catch (error) {
    logger.error({ sessionId: recorder.sessionId, err: String(error) }, 'write-ahead append failed');
    refuse(channel, 'audit store unavailable', deps.bytes);
    return;
  }
  if (!decision.allowed) {
    refuse(channel, decision.refusal, deps.bytes);
    // After-the-fact records are batched by the recorder: never wait for them here.
    void recorder
      .blocked(sequence, { reason: decision.refusal, errorCode: `exit ${DENIED_EXIT_STATUS}` })
      .catch((error: unknown) => logger.error({ err: String(error) }, 'could not record CommandBlocked'));
    return;
  }
  const startedAt = process.hrtime.bigint();
  const elapsedMs = () => Number(process.hrtime.bigint() - startedAt) / 1e6;
  let upstream: ssh2.ClientChannel;
  try {
    upstream = await openExec(deps.upstream, decision.forwarded);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    writeStderr(channel, 'portcullis: the target host did not run the command\n', deps.bytes);
    channel.exit(255);
    channel.end();
    void recorder
      .completed(sequence, {
        rows: null,
        durationMs: elapsedMs(),
        error: { code: 'upstream_exec_failed', message },
      })
      .catch((appendError: unknown) =>
        logger.error({ err: String(appendError) }, 'could not record CommandCompleted'),
      );
    return;
  }
  void recorder
    .forwarded(sequence)
    .catch((error: unknown) => logger.error({ err: String(error) }, 'could not record CommandForwarded'));
  const exit = await relay(channel, upstream, deps.bytes);
  void recorder
    .completed(sequence, {
      rows: null,
      durationMs: elapsedMs(),
      commandTag: exit.tag,
      ...(exit.error ? { error: exit.error } : {}),
    })
    .catch((error: unknown) => logger.error({ err: String(error) }, 'could not record CommandCompleted'));
}

function openExec(upstream: ssh2.Client, command: string): Promise<ssh2.ClientChannel> {
  return new Promise((resolve, reject) =>
    upstream.exec(command, (error, stream) => (error ? reject(error) : resolve(stream))),
  );
}

interface ExitOutcome {
  readonly tag: string;
  readonly error?: { code: string; message: string };
}

/** Pipes both ways until the upstream channel closes; then relays its exit status or signal. */
function relay(
  channel: ssh2.ServerChannel,
  upstream: ssh2.ClientChannel,
  bytes: ByteCounters,
): Promise<ExitOutcome> {
  let exit: { code: number | null; signal?: string; dumped?: boolean; description?: string } = { code: null };
  upstream.on('exit', (code: number | null, signal?: string, dumped?: boolean, description?: string) => {
    exit = { code, signal, dumped, description };
  });
  channel.on('data', (chunk: Buffer) => (bytes.fromClient += chunk.length));
  upstream.on('data', (chunk: Buffer) => (bytes.toClient += chunk.length));
  upstream.stderr.on('data', (chunk: Buffer) => (bytes.toClient += chunk.length));
  channel.pipe(upstream);
  upstream.pipe(channel, { end: false });
  upstream.stderr.pipe(channel.stderr, { end: false });
  // The client went away mid-command: stop the command on the host too.
  channel.once('close', () => upstream.close());
  return new Promise((resolve) =>
    upstream.once('close', () => {
      if (exit.signal)
        channel.exit(exit.signal.replace(/^SIG/, ''), exit.dumped ?? false, exit.description ?? '');
      else if (exit.code !== null) channel.exit(exit.code);
      channel.end();
      if (exit.signal)
        resolve({
          tag: `signal ${exit.signal}`,
          error: { code: 'signal', message: `killed by ${exit.signal}` },
        });
      else if (exit.code === null)
        resolve({
          tag: 'no exit status',
          error: { code: 'no_exit_status', message: 'the host closed the channel without an exit status' },
        });
      else
        resolve({
          tag: `exit ${exit.code}`,
          ...(exit.code !== 0
            ? { error: { code: `exit ${exit.code}`, message: `exited with status ${exit.code}` } }
            : {}),
        });
    }),
  );
}

function refuse(channel: ssh2.ServerChannel, reason: string, bytes: ByteCounters): void {
  writeStderr(channel, `portcullis: denied: ${reason}\n`, bytes);
  channel.exit(DENIED_EXIT_STATUS);
  channel.end();
}

function writeStderr(channel: ssh2.ServerChannel, text: string, bytes: ByteCounters): void {
  bytes.toClient += Buffer.byteLength(text);
  channel.stderr.write(text);
}
