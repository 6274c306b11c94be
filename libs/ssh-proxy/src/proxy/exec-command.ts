import type ssh2 from 'ssh2';
import { denied, Refusals, writeAhead } from '@portcullis/session';
import type { TerminalRecording } from '../terminal/terminal-recording.js';
import { parseCommandLine } from '../command/command-line.js';
import { awaitExecApproval } from './await-exec-approval.js';
import { decideCommand } from './decide-command.js';
import { readScpRequest, runScp } from './scp-transfer.js';
import { DENIED_EXIT_STATUS, type ByteCounters, type ExecDeps } from './exec-deps.js';

export { DENIED_EXIT_STATUS, type ByteCounters, type ExecDeps } from './exec-deps.js';
import { relayExit } from './relay-exit.js';
import type { ChannelSetup } from './terminal-request.js';

/** Exit status of a refused command: "found but cannot execute", as a shell reports it. */
/**
 * One `exec` request, top to bottom: decide → write-ahead (CommandReceived +
 * CommandDecided durable) → wait for approval when policy asks for one →
 * refuse (stderr, exit 126, CommandBlocked) or run
 * it on an upstream exec channel and relay stdin/stdout/stderr and the exit
 * status (CommandForwarded, CommandCompleted). The client's stdin stays
 * buffered in its channel until the upstream channel exists, so nothing of
 * the command reaches the host before the decision is durable.
 */
export async function runExec(channel: ssh2.ServerChannel, text: string, deps: ExecDeps): Promise<void> {
  const { recorder, logger } = deps;
  deps.bytes.fromClient += Buffer.byteLength(text);
  const scp = deps.setup?.terminal ? null : readScpRequest(parseCommandLine(text));
  if (scp) return runScp(channel, scp, deps);
  let decision = decideCommand(deps.context, text);
  // A client that closes its channel while the write-ahead waits gives the command up: it never runs.
  const gone = new AbortController();
  const abort = () => gone.abort();
  channel.once('close', abort);
  const sequence = await writeAhead(recorder, decision, {
    errorCode: `exit ${DENIED_EXIT_STATUS}`,
    logger,
    signal: gone.signal,
  }).finally(() => channel.off('close', abort));
  if (sequence === undefined) return refuse(channel, Refusals.auditUnavailable, deps.bytes);
  if (decision.review) decision = await awaitExecApproval(channel, text, decision, sequence, deps);
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
    upstream = await openExec(deps.upstream, decision.forwarded, deps.setup);
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
  deps.setup?.running({
    resize: (size) => upstream.setWindow(size.rows, size.cols, size.height, size.width),
    signal: (name) => upstream.signal(name),
  });
  const exit = await relay(channel, upstream, deps.bytes, startRecording(channel, upstream, deps));
  void recorder
    .completed(sequence, {
      rows: null,
      durationMs: elapsedMs(),
      commandTag: exit.tag,
      ...(exit.error ? { error: exit.error } : {}),
    })
    .catch((error: unknown) => logger.error({ err: String(error) }, 'could not record CommandCompleted'));
}

function openExec(upstream: ssh2.Client, command: string, setup?: ChannelSetup): Promise<ssh2.ClientChannel> {
  const options: ssh2.ExecOptions = {
    ...(setup?.terminal ? { pty: setup.terminal } : {}),
    ...(setup && Object.keys(setup.env).length > 0 ? { env: setup.env } : {}),
  };
  return new Promise((resolve, reject) =>
    upstream.exec(command, options, (error, stream) => (error ? reject(error) : resolve(stream))),
  );
}

/**
 * An exec with a pty is interactive (`ssh -t host top`): its output is
 * recorded like a shell's. Exec without a pty is not: it is the bulk and
 * file path (`cat`, `tar`, backups), and the decided command line is its record.
 */
function startRecording(
  channel: ssh2.ServerChannel,
  upstream: ssh2.ClientChannel,
  deps: ExecDeps,
): TerminalRecording | undefined {
  const terminal = deps.setup?.terminal;
  if (!terminal) return undefined;
  const recording = deps.setup.record({
    onPressure: (paused) => (paused ? upstream.pause() : upstream.resume()),
    onFailure: (error) => {
      deps.logger.error({ sessionId: deps.recorder.sessionId, err: String(error) }, 'recording failed');
      channel.stderr.write('\r\nportcullis: the session recording could not be stored; closing\r\n');
      upstream.close();
    },
  });
  recording.resize(terminal.cols, terminal.rows);
  return recording;
}

/** Pipes both ways until the upstream channel closes; then relays its exit status or signal. */
async function relay(
  channel: ssh2.ServerChannel,
  upstream: ssh2.ClientChannel,
  bytes: ByteCounters,
  recording?: TerminalRecording,
) {
  channel.on('data', (chunk: Buffer) => (bytes.fromClient += chunk.length));
  upstream.on('data', (chunk: Buffer) => {
    bytes.toClient += chunk.length;
    recording?.output(chunk);
  });
  upstream.stderr.on('data', (chunk: Buffer) => {
    bytes.toClient += chunk.length;
    recording?.output(chunk);
  });
  const exited = relayExit(channel, upstream);
  channel.pipe(upstream);
  upstream.pipe(channel, { end: false });
  upstream.stderr.pipe(channel.stderr, { end: false });
  // The client went away mid-command: stop the command on the host too. The
  // pipes to the closed channel are undone, which pauses the upstream channel:
  // it must flow again or its end (and so its close, and CommandCompleted) never comes.
  channel.once('close', () => {
    upstream.close();
    upstream.resume();
    upstream.stderr.resume();
  });
  const exit = await exited;
  await recording?.close();
  return exit;
}

function refuse(channel: ssh2.ServerChannel, reason: string, bytes: ByteCounters): void {
  writeStderr(channel, `${denied(reason)}\n`, bytes);
  channel.exit(DENIED_EXIT_STATUS);
  channel.end();
}

function writeStderr(channel: ssh2.ServerChannel, text: string, bytes: ByteCounters): void {
  bytes.toClient += Buffer.byteLength(text);
  channel.stderr.write(text);
}
