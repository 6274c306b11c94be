import type ssh2 from 'ssh2';
import type { RecordingEvents, TerminalRecording } from '../terminal/terminal-recording.js';
import { runExec, type ExecDeps } from './exec-command.js';
import { runShell } from './interactive-shell.js';
import { runSftp } from './sftp-session.js';
import type { ChannelSetup, RunningChannel, TerminalRequest } from './terminal-request.js';

/**
 * Environment variables a client may pass to the host (`env` requests):
 * locale and terminal type only. Anything else could change what an allowed
 * program runs (LD_PRELOAD, PATH, BASH_ENV, PYTHONPATH, …) and is refused.
 * The host's sshd still applies its own AcceptEnv.
 */
export const ENV_ALLOWLIST: readonly RegExp[] = [
  /^LANG$/,
  /^LANGUAGE$/,
  /^LC_[A-Z_]+$/,
  /^TERM$/,
  /^COLORTERM$/,
];

/** Signals a client may send to the running program (RFC 4254 §6.9 names, without "SIG"). */
const SIGNALS = new Set(['INT', 'TERM', 'HUP', 'QUIT', 'KILL', 'USR1', 'USR2', 'ALRM', 'PIPE']);

export interface SessionChannelDeps extends Omit<ExecDeps, 'setup'> {
  readonly recordInput: boolean;
  /** Creates the recording of a terminal channel (numbered and timed by the connection). */
  readonly record: (events: RecordingEvents) => TerminalRecording;
  /** Records and refuses what this channel may not do (agent and X11 forwarding, subsystems). */
  readonly refuse: (what: string, detail: string) => void;
  /** Tracks a running exec or shell, so the session waits for its records before closing. */
  readonly track: (run: Promise<void>) => void;
  /** Every accepted channel, while it is open: where an operator's termination is said. */
  readonly opened?: (channel: ssh2.ServerChannel) => void;
}

/**
 * One `session` channel: `pty-req`, `env` and `window-change` before it
 * runs; then one of `shell` (needs a pty), `exec`, or a subsystem; while it
 * runs, window changes and signals go to the program on the host.
 */
export function serveSessionChannel(session: ssh2.Session, deps: SessionChannelDeps): void {
  let terminal: TerminalRequest | undefined;
  const env: Record<string, string> = {};
  let running: RunningChannel | undefined;
  let started = false;
  const setup = (): ChannelSetup => ({
    ...(terminal ? { terminal } : {}),
    env,
    record: deps.record,
    running: (channel) => (running = channel),
  });
  const start = (run: () => Promise<void>, onBug: () => void) => {
    started = true;
    const done = run().catch((error: unknown) => {
      // A bug, not a decision: close the channel rather than leave the client waiting.
      deps.logger.error({ sessionId: deps.recorder.sessionId, err: String(error) }, 'channel failed');
      onBug();
    });
    deps.track(done);
  };

  session.on('pty', (accept, reject, info) => {
    if (started) return reject?.();
    terminal = {
      term: info.term,
      cols: info.cols,
      rows: info.rows,
      width: info.width,
      height: info.height,
      modes: info.modes,
    };
    accept?.();
  });
  session.on('env', (accept, reject, info) => {
    if (started || !ENV_ALLOWLIST.some((name) => name.test(info.key))) {
      deps.logger.info({ sessionId: deps.recorder.sessionId, name: info.key }, 'refused env');
      return reject?.();
    }
    env[info.key] = info.val;
    accept?.();
  });
  session.on('window-change', (accept, reject, info) => {
    if (terminal)
      Object.assign(terminal, { cols: info.cols, rows: info.rows, width: info.width, height: info.height });
    running?.resize(info);
    if (terminal) accept?.();
    else reject?.();
  });
  session.on('signal', (accept, reject, info) => {
    const name = info.name.replace(/^SIG/, '');
    if (!running || !SIGNALS.has(name)) return reject?.();
    running.signal(name);
    accept?.();
  });
  session.on('shell', (accept, reject) => {
    if (started) return reject?.();
    if (!terminal) {
      // Without a pty the client's input is a script: bytes already sent could not be taken back.
      deps.refuse('shell', 'a shell without a pty is not supported: use exec');
      return reject?.();
    }
    const channel = accept();
    deps.opened?.(channel);
    const shellSetup = { ...setup(), terminal };
    start(
      () => runShell(channel, { ...deps, setup: shellSetup }),
      () => channel.close(),
    );
  });
  session.on('exec', (accept, reject, info) => {
    if (started) return reject?.();
    const channel = accept();
    deps.opened?.(channel);
    start(
      () => runExec(channel, info.command, { ...deps, setup: setup() }),
      () => channel.close(),
    );
  });
  // No 'sftp' listener on purpose: ssh2 then hands the sftp subsystem over as a raw channel, relayed by runSftp.
  session.on('subsystem', (accept, reject, info) => {
    if (started || info.name !== 'sftp') {
      deps.refuse(`subsystem ${info.name}`, `subsystem ${info.name} is not supported`);
      return reject?.();
    }
    const channel = accept();
    deps.opened?.(channel);
    start(
      () => runSftp(channel, { ...deps, setup: setup() }),
      () => channel.close(),
    );
  });
  session.on('x11', (_accept, reject) => {
    deps.refuse('x11', 'X11 forwarding is not allowed through the proxy');
    reject?.();
  });
  session.on('auth-agent', (_accept, reject) => {
    deps.refuse('auth-agent', 'agent forwarding is not allowed through the proxy');
    reject?.();
  });
}
