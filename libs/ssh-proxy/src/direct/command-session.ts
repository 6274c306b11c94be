import { randomUUID } from 'node:crypto';
import type ssh2 from 'ssh2';
import type { FrontEnd } from '@portcullis/events';
import type { Identity } from '@portcullis/identity';
import {
  SessionRecorder,
  writeAhead,
  type HeldSession,
  type LedgerLogger,
  type ReviewContext,
} from '@portcullis/session';
import { sessionCertificate } from '../certificates/session-certificate.js';
import type { UserCa } from '../certificates/user-ca.js';
import { checkSessionAccess } from '../proxy/check-session-access.js';
import { connectUpstream } from '../proxy/connect-upstream.js';
import { decideCommand, type CommandContext, type ExecDecision } from '../proxy/decide-command.js';
import { DENIED_EXIT_STATUS } from '../proxy/exec-deps.js';
import type { SshProxyOptions, SshTarget } from '../proxy/proxy-options.js';
import { sessionOpened, sessionRejected } from '../proxy/session-audit.js';
import { SessionRefusal } from '../proxy/session-refusal.js';

export type CommandSessionOptions = Pick<
  SshProxyOptions,
  'policy' | 'shadowPolicy' | 'store' | 'audit' | 'gatewayInstance' | 'approvals' | 'lifecycle'
> & {
  readonly target: SshTarget;
  readonly logger: LedgerLogger;
  /** The gateway's user CA, for a `credential: certificate` target (the proxy's session certificates). */
  readonly userCa?: UserCa;
};

/** An exec's outcome as a front end without an SSH channel hands it back. */
export interface ExecResult {
  readonly exitStatus: number | null;
  readonly signal?: string;
  readonly stdout: string;
  readonly stderr: string;
  /** Output past the limit was dropped (the command still ran to its end). */
  readonly truncated: boolean;
  /** The command ran past the timeout and was stopped (stdout and stderr: what it wrote until then). */
  readonly timedOut?: true;
}

/** The session was ended while the command ran, or before (an operator's termination): `goodbye` is what the client is told. */
export class CommandSessionEnded extends Error {
  constructor(readonly goodbye: string) {
    super(goodbye);
  }
}

/**
 * An SSH session opened by a front end without an SSH wire (the MCP
 * server): the proxy's session admission, its own upstream connection with
 * the pinned host key, SessionOpened marked with the front end, and per
 * command the proxy's exec decision (`decideCommand`: the parsed command
 * line, policy, host reasons; the re-quoted words are what runs) and the
 * core's write-ahead. Exec runs without a pty or stdin, as `ssh host cmd < /dev/null`.
 * A `credential: certificate` target is logged in to with a certificate of
 * the session's own, as the proxy does. The session is held in the access
 * lifecycle (libs/session) like a proxy connection: an operator's
 * termination or a revocation ends it (`end`), and SessionClosed says who.
 */
export class CommandSession {
  /** What the agent sent (command texts) and got back (returned values, output), as SessionClosed counts them. */
  private bytesFromClient = 0;
  private bytesToClient = 0;
  private held: HeldSession | undefined;
  private goodbye: string | undefined;
  private readonly running = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;
  private upstreamClosed = false;

  private constructor(
    readonly context: CommandContext,
    readonly recorder: SessionRecorder,
    private readonly upstream: ssh2.Client,
    private readonly logger: LedgerLogger,
    private readonly startedAt: bigint,
    private readonly onEnded: ((goodbye: string) => void) | undefined,
  ) {
    upstream.once('close', () => (this.upstreamClosed = true));
  }

  static async open(
    options: CommandSessionOptions,
    identity: Identity,
    clientAddress: string,
    frontEnd: FrontEnd,
    /** An operator ended the session (after `end` closed the upstream): the front end ends its own. */
    onEnded?: (goodbye: string) => void,
  ): Promise<CommandSession> {
    const sessionId = randomUUID();
    const { target } = options;
    const subject = { identity, target, sessionId, clientAddress };
    const recorderContext = { actor: identity.subject, gatewayInstance: options.gatewayInstance };
    let upstream: ssh2.Client | undefined;
    try {
      const access = checkSessionAccess(options.policy, subject, options.lifecycle);
      const certificate = sessionCertificate(
        target,
        options.userCa,
        sessionId,
        identity,
        access.upstream?.principal,
      );
      upstream = await connectUpstream(target.upstream, identity, certificate);
      let recorder: SessionRecorder;
      try {
        recorder = await SessionRecorder.open(
          options.store,
          { ...sessionOpened(sessionId, identity, target, clientAddress, access), frontEnd },
          recorderContext,
          options.audit,
          certificate
            ? [{ type: 'UpstreamCredentialIssued', data: { sessionId, ...certificate.issued } }]
            : [],
        );
      } catch (error) {
        throw new SessionRefusal('store_unavailable', String(error), identity);
      }
      const context: CommandContext = {
        ...subject,
        policy: options.policy,
        ...(options.shadowPolicy ? { shadow: options.shadowPolicy } : {}),
        ...(options.approvals ? { approvals: options.approvals } : {}),
      };
      const session = new CommandSession(
        context,
        recorder,
        upstream,
        options.logger,
        process.hrtime.bigint(),
        onEnded,
      );
      // Once SessionOpened is durable; a termination that came first ends it right here.
      session.held = options.lifecycle?.hold({
        sessionId,
        identity,
        end: (goodbye) => session.end(goodbye),
      });
      return session;
    } catch (error) {
      upstream?.end();
      const refusal =
        error instanceof SessionRefusal
          ? error
          : new SessionRefusal(
              'internal_error',
              error instanceof Error ? error.message : String(error),
              identity,
            );
      await SessionRecorder.reject(
        options.store,
        { ...sessionRejected(sessionId, target.name, clientAddress, refusal), frontEnd },
        recorderContext,
        options.audit,
      ).catch(() => undefined);
      throw refusal;
    }
  }

  get sessionId(): string {
    return this.context.sessionId;
  }

  /** The upstream connection is gone: the session can run nothing more. */
  get broken(): boolean {
    return this.upstreamClosed;
  }

  /** The goodbye, once an operator ended the session: it runs nothing more. */
  get ended(): string | undefined {
    return this.goodbye;
  }

  get review(): ReviewContext {
    return { ...this.context, targetName: this.context.target.name };
  }

  /** The SSH proxy's decision of an exec command line (decide-command.ts). */
  decide(text: string, approvalId?: string): ExecDecision {
    if (approvalId === undefined) this.bytesFromClient += Buffer.byteLength(text);
    return decideCommand(this.context, text, approvalId);
  }

  writeAhead(decision: ExecDecision): Promise<number | undefined> {
    return writeAhead(this.recorder, decision, {
      errorCode: `exit ${DENIED_EXIT_STATUS}`,
      logger: this.logger,
    });
  }

  blocked(sequence: number, refusal: string): void {
    this.recorder
      .blocked(sequence, { reason: refusal, errorCode: `exit ${DENIED_EXIT_STATUS}` })
      .catch((e: unknown) => this.appendFailed('CommandBlocked', e));
  }

  /**
   * Runs an allowed, durable command; stdout and stderr kept up to
   * `maxOutputBytes` each. Past `timeoutMs` the command is sent KILL (for
   * hosts that honour the signal request) and its channel is closed; the
   * result says `timedOut`, and CommandCompleted records it. An operator's
   * termination cuts it off: CommandSessionEnded.
   */
  run(
    sequence: number,
    decision: ExecDecision,
    maxOutputBytes: number,
    timeoutMs: number,
  ): Promise<ExecResult> {
    const run = this.runCommand(sequence, decision, maxOutputBytes, timeoutMs);
    this.running.add(run);
    void run.catch(() => undefined).finally(() => this.running.delete(run));
    return run;
  }

  private async runCommand(
    sequence: number,
    decision: ExecDecision,
    maxOutputBytes: number,
    timeoutMs: number,
  ): Promise<ExecResult> {
    if (this.goodbye !== undefined) throw new CommandSessionEnded(this.goodbye);
    const startedAt = process.hrtime.bigint();
    let stream: ssh2.ClientChannel;
    try {
      stream = await new Promise<ssh2.ClientChannel>((resolve, reject) =>
        this.upstream.exec(decision.forwarded, (error, channel) =>
          error ? reject(error) : resolve(channel),
        ),
      );
    } catch (error) {
      if (this.goodbye !== undefined) {
        this.completed(sequence, startedAt, 'terminated', { code: 'terminated', message: this.goodbye });
        throw new CommandSessionEnded(this.goodbye);
      }
      const message = error instanceof Error ? error.message : String(error);
      void this.recorder
        .completed(sequence, {
          rows: null,
          durationMs: elapsedMs(startedAt),
          error: { code: 'upstream_exec_failed', message },
        })
        .catch((e: unknown) => this.appendFailed('CommandCompleted', e));
      throw new Error('the target host did not run the command', { cause: error });
    }
    void this.recorder.forwarded(sequence).catch((e: unknown) => this.appendFailed('CommandForwarded', e));
    stream.end(); // no stdin
    const stdout = new BoundedText(maxOutputBytes);
    const stderr = new BoundedText(maxOutputBytes);
    stream.on('data', (chunk: Buffer) => stdout.add(chunk));
    stream.stderr.on('data', (chunk: Buffer) => stderr.add(chunk));
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    let connectionClosed: (() => void) | undefined;
    const exit = await new Promise<{ code: number | null; signal?: string }>((resolve) => {
      let outcome: { code: number | null; signal?: string } = { code: null };
      stream.on('exit', (code: number | null, signal?: string) => {
        outcome = signal ? { code: null, signal } : { code };
      });
      stream.once('close', () => resolve(outcome));
      // The connection gone (a termination ends it) ends the command's wait too.
      connectionClosed = () => resolve(outcome);
      this.upstream.once('close', connectionClosed);
      timer = setTimeout(() => {
        timedOut = true;
        stream.signal('KILL');
        stream.close();
        // sshd keeps a channel open while its command runs: a host that ignores the
        // signal request loses the whole connection (the next command opens a new session).
        timer = setTimeout(() => {
          this.upstream.end();
          resolve(outcome);
        }, KILL_GRACE_MS);
      }, timeoutMs);
    }).finally(() => {
      clearTimeout(timer);
      if (connectionClosed) this.upstream.removeListener('close', connectionClosed);
    });
    this.bytesToClient += Buffer.byteLength(stdout.text) + Buffer.byteLength(stderr.text);
    if (this.goodbye !== undefined) {
      this.completed(sequence, startedAt, 'terminated', { code: 'terminated', message: this.goodbye });
      throw new CommandSessionEnded(this.goodbye);
    }
    if (timedOut) {
      const seconds = timeoutMs / 1000;
      this.completed(sequence, startedAt, 'timeout', {
        code: 'timeout',
        message: `the command ran past the exec timeout (${seconds} s) and was stopped`,
      });
      return { ...this.output(exit, stdout, stderr), timedOut: true };
    }
    const tag = exit.signal
      ? `signal ${exit.signal}`
      : exit.code === null
        ? 'no exit status'
        : `exit ${exit.code}`;
    this.completed(
      sequence,
      startedAt,
      tag,
      exit.code === 0 ? undefined : { code: tag, message: `the command ended with ${tag}` },
    );
    return this.output(exit, stdout, stderr);
  }

  /**
   * An operator ended the session (libs/session LiveSessions): nothing more
   * runs from here on, a running command is cut off, and the front end is told.
   */
  private end(goodbye: string): void {
    if (this.goodbye !== undefined) return;
    this.goodbye = goodbye;
    this.upstream.end();
    this.onEnded?.(goodbye);
  }

  private completed(
    sequence: number,
    startedAt: bigint,
    tag: string,
    error: { code: string; message: string } | undefined,
  ): void {
    void this.recorder
      .completed(sequence, {
        rows: null,
        durationMs: elapsedMs(startedAt),
        commandTag: tag,
        ...(error ? { error } : {}),
      })
      .catch((e: unknown) => this.appendFailed('CommandCompleted', e));
  }

  private output(
    exit: { code: number | null; signal?: string },
    stdout: BoundedText,
    stderr: BoundedText,
  ): ExecResult {
    return {
      exitStatus: exit.code,
      ...(exit.signal ? { signal: exit.signal } : {}),
      stdout: stdout.text,
      stderr: stderr.text,
      truncated: stdout.truncated || stderr.truncated,
    };
  }

  /** Ends the upstream session and records SessionClosed (who ended it, when an operator did); once. */
  close(reason: string): Promise<void> {
    return (this.closing ??= this.closeOnce(reason));
  }

  private async closeOnce(reason: string): Promise<void> {
    this.held?.release();
    this.upstream.end();
    // A running command records CommandCompleted before SessionClosed.
    await Promise.allSettled([...this.running]);
    await this.recorder
      .close({
        ...(this.held?.closing(reason) ?? { reason }),
        bytesFromClient: this.bytesFromClient,
        bytesToClient: this.bytesToClient,
        durationMs: elapsedMs(this.startedAt),
        commands: this.recorder.commands,
      })
      .catch((e: unknown) => this.appendFailed('SessionClosed', e));
  }

  private appendFailed(event: string, error: unknown): void {
    this.logger.error(
      { sessionId: this.sessionId, event, err: error instanceof Error ? error.message : String(error) },
      'audit append failed',
    );
  }
}

/** Keeps the first `limit` bytes of a stream. */
class BoundedText {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  add(chunk: Buffer): void {
    const room = this.limit - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = chunk.subarray(0, room);
    this.chunks.push(kept);
    this.size += kept.length;
  }

  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** How long a timed-out command has to end after KILL before its connection is closed. */
const KILL_GRACE_MS = 2_000;

const elapsedMs = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;
