import { denied, Refusals, writeAhead } from '@portcullis/session';
import type ssh2 from 'ssh2';
import { TypedLineReader, type TypedInput } from '../terminal/typed-line.js';
import type { TerminalRecording } from '../terminal/terminal-recording.js';
import { decideTypedLine } from './decide-command.js';
import type { ExecDeps } from './exec-command.js';
import { relayExit } from './relay-exit.js';
import type { ChannelSetup, TerminalRequest } from './terminal-request.js';

/**
 * What replaces a refused line's Enter upstream: a bracketed-paste end
 * marker, then Ctrl-E (to the end of the line) and Ctrl-U (kill back to its
 * start). The typed characters were already echoed by the host's shell; this
 * erases them from its line buffer, so the line never runs. The marker comes
 * first because a paste marker split across packets reaches the shell (the
 * line is then refused as unreadable) and can leave readline in paste mode,
 * where Ctrl-E and Ctrl-U would be inserted literally and the refused text
 * would run with the next line typed; outside paste mode the marker is
 * junk that Ctrl-U kills with the rest. It works in readline/zle emacs mode
 * and in a tty's canonical mode (Ctrl-U is VKILL there). No Enter follows:
 * if a rebinding made Ctrl-U do nothing, the line stays unsent rather than run.
 */
export const DISCARD_LINE = Buffer.from('\x1b[201~\x05\x15');

export interface ShellDeps extends ExecDeps {
  readonly setup: ChannelSetup & { readonly terminal: TerminalRequest };
  /** Record what the client types as "i" frames (off by default: it includes passwords typed at prompts). */
  readonly recordInput: boolean;
}

/**
 * An interactive shell with a pty, top to bottom: open the upstream shell
 * with the client's pty and allowed environment → record output (and input
 * if configured) → forward keystrokes as typed, but hold every Enter until
 * the line it would run is decided and written ahead → relay the exit.
 * A refused line is erased upstream (DISCARD_LINE) and the client is told
 * why; a recording the store cannot take closes the channel (fail closed).
 */
export async function runShell(channel: ssh2.ServerChannel, deps: ShellDeps): Promise<void> {
  const { recorder, logger, setup } = deps;
  let upstream: ssh2.ClientChannel;
  try {
    upstream = await openShell(deps.upstream, setup);
  } catch (error) {
    logger.warn({ sessionId: recorder.sessionId, err: String(error) }, 'upstream shell failed');
    channel.stderr.write('portcullis: the target host did not start a shell\r\n');
    channel.exit(255);
    channel.end();
    return;
  }
  let ended = false;
  const tell = (text: string) => {
    if (ended) return;
    recording.notice(text);
    deps.bytes.toClient += Buffer.byteLength(text);
    channel.write(text);
  };
  const holds = new Set<'client' | 'recording'>();
  const hold = (why: 'client' | 'recording', on: boolean) => {
    if (on) holds.add(why);
    else holds.delete(why);
    if (holds.size > 0) upstream.pause();
    else upstream.resume();
  };
  const recording: TerminalRecording = setup.record({
    onPressure: (paused) => hold('recording', paused),
    onFailure: (error) => {
      logger.error({ sessionId: recorder.sessionId, err: String(error) }, 'recording failed');
      channel.write('\r\nportcullis: the session recording could not be stored; closing\r\n');
      ended = true;
      upstream.close();
    },
  });
  recording.resize(setup.terminal.cols, setup.terminal.rows);
  setup.running({
    resize: (size) => {
      recording.resize(size.cols, size.rows);
      upstream.setWindow(size.rows, size.cols, size.height, size.width);
    },
    signal: (name) => upstream.signal(name),
  });

  const toClient = (target: NodeJS.WritableStream) => (chunk: Buffer) => {
    deps.bytes.toClient += chunk.length;
    recording.output(chunk);
    if (!target.write(chunk)) hold('client', true);
  };
  upstream.on('data', toClient(channel));
  upstream.stderr.on('data', toClient(channel.stderr));
  channel.on('drain', () => hold('client', false));

  const reader = new TypedLineReader();
  const queue: Buffer[] = [];
  let busy = false;
  const forward = (bytes: Buffer) => {
    if (!ended) upstream.write(bytes);
  };
  const onEnter = async (enter: Extract<TypedInput, { kind: 'enter' }>) => {
    if (!enter.unreadable && enter.line.trim() === '') return forward(enter.key);
    const decision = decideTypedLine(deps.context, enter.line, enter.unreadable);
    const sequence = await writeAhead(recorder, decision, { errorCode: 'line erased', logger });
    if (sequence === undefined) {
      forward(DISCARD_LINE);
      tell(`\r\n${denied(Refusals.auditUnavailable)}\r\n`);
      return;
    }
    if (decision.allowed) {
      forward(enter.key);
      void recorder
        .forwarded(sequence)
        .catch((error: unknown) => logger.error({ err: String(error) }, 'could not record CommandForwarded'));
      return;
    }
    forward(DISCARD_LINE);
    tell(`\r\n${denied(decision.refusal)}\r\n`);
    void recorder
      .blocked(sequence, { reason: decision.refusal, errorCode: 'line discarded' })
      .catch((error: unknown) => logger.error({ err: String(error) }, 'could not record CommandBlocked'));
  };
  const drain = async () => {
    busy = true;
    try {
      for (let chunk = queue.shift(); chunk && !ended; chunk = queue.shift()) {
        for (const input of reader.feed(chunk)) {
          if (input.kind === 'bytes') forward(input.bytes);
          else {
            // Nothing typed after this Enter may reach the host before its line is decided.
            channel.pause();
            await onEnter(input);
          }
        }
      }
    } finally {
      busy = false;
      channel.resume();
      if (clientEnded && queue.length === 0) upstream.end();
    }
  };
  channel.on('data', (chunk: Buffer) => {
    deps.bytes.fromClient += chunk.length;
    if (deps.recordInput) recording.input(chunk);
    queue.push(chunk);
    if (!busy)
      drain().catch((error: unknown) => {
        logger.error({ sessionId: recorder.sessionId, err: String(error) }, 'typed input failed');
        ended = true;
        upstream.close();
      });
  });
  // The client's EOF goes upstream only after every held Enter has been decided and forwarded.
  let clientEnded = false;
  channel.on('end', () => {
    clientEnded = true;
    if (!busy) upstream.end();
  });
  channel.once('close', () => {
    ended = true;
    upstream.close();
  });
  await relayExit(channel, upstream);
  ended = true;
  await recording.close();
}

function openShell(upstream: ssh2.Client, setup: ShellDeps['setup']): Promise<ssh2.ClientChannel> {
  const options: ssh2.ShellOptions = Object.keys(setup.env).length > 0 ? { env: setup.env } : {};
  return new Promise((resolve, reject) =>
    upstream.shell(setup.terminal, options, (error, stream) => (error ? reject(error) : resolve(stream))),
  );
}
