import { randomUUID } from 'node:crypto';
import type ssh2 from 'ssh2';
import type { FrontEnd } from '@portcullis/events';
import type { Identity } from '@portcullis/identity';
import { SessionRecorder, writeAhead, type LedgerLogger, type ReviewContext } from '@portcullis/session';
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
> & { readonly target: SshTarget; readonly logger: LedgerLogger };

/** An exec's outcome as a front end without an SSH channel hands it back. */
export interface ExecResult {
  readonly exitStatus: number | null;
  readonly signal?: string;
  readonly stdout: string;
  readonly stderr: string;
  /** Output past the limit was dropped (the command still ran to its end). */
  readonly truncated: boolean;
}

/**
 * An SSH session opened by a front end without an SSH wire (the MCP
 * server): the proxy's session admission, its own upstream connection with
 * the pinned host key, SessionOpened marked with the front end, and per
 * command the proxy's exec decision (`decideCommand`: the parsed command
 * line, policy, host reasons; the re-quoted words are what runs) and the
 * core's write-ahead. Exec runs without a pty or stdin, as `ssh host cmd < /dev/null`.
 */
export class CommandSession {
  /** What the agent sent (command texts) and got back (returned values, output), as SessionClosed counts them. */
  private bytesFromClient = 0;
  private bytesToClient = 0;

  private constructor(
    readonly context: CommandContext,
    readonly recorder: SessionRecorder,
    private readonly upstream: ssh2.Client,
    private readonly logger: LedgerLogger,
    private readonly startedAt: bigint,
  ) {}

  static async open(
    options: CommandSessionOptions,
    identity: Identity,
    clientAddress: string,
    frontEnd: FrontEnd,
  ): Promise<CommandSession> {
    const sessionId = randomUUID();
    const { target } = options;
    const subject = { identity, target, sessionId, clientAddress };
    const recorderContext = { actor: identity.subject, gatewayInstance: options.gatewayInstance };
    let upstream: ssh2.Client | undefined;
    try {
      const access = checkSessionAccess(options.policy, subject, options.lifecycle);
      upstream = await connectUpstream(target.upstream, identity);
      let recorder: SessionRecorder;
      try {
        recorder = await SessionRecorder.open(
          options.store,
          { ...sessionOpened(sessionId, identity, target, clientAddress, access), frontEnd },
          recorderContext,
          options.audit,
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
      return new CommandSession(context, recorder, upstream, options.logger, process.hrtime.bigint());
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

  /** Runs an allowed, durable command; stdout and stderr kept up to `maxOutputBytes` each. */
  async run(sequence: number, decision: ExecDecision, maxOutputBytes: number): Promise<ExecResult> {
    const startedAt = process.hrtime.bigint();
    let stream: ssh2.ClientChannel;
    try {
      stream = await new Promise<ssh2.ClientChannel>((resolve, reject) =>
        this.upstream.exec(decision.forwarded, (error, channel) =>
          error ? reject(error) : resolve(channel),
        ),
      );
    } catch (error) {
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
    const exit = await new Promise<{ code: number | null; signal?: string }>((resolve) => {
      let outcome: { code: number | null; signal?: string } = { code: null };
      stream.on('exit', (code: number | null, signal?: string) => {
        outcome = signal ? { code: null, signal } : { code };
      });
      stream.once('close', () => resolve(outcome));
    });
    const tag = exit.signal
      ? `signal ${exit.signal}`
      : exit.code === null
        ? 'no exit status'
        : `exit ${exit.code}`;
    void this.recorder
      .completed(sequence, {
        rows: null,
        durationMs: elapsedMs(startedAt),
        commandTag: tag,
        ...(exit.code === 0 ? {} : { error: { code: tag, message: `the command ended with ${tag}` } }),
      })
      .catch((e: unknown) => this.appendFailed('CommandCompleted', e));
    this.bytesToClient += Buffer.byteLength(stdout.text) + Buffer.byteLength(stderr.text);
    return {
      exitStatus: exit.code,
      ...(exit.signal ? { signal: exit.signal } : {}),
      stdout: stdout.text,
      stderr: stderr.text,
      truncated: stdout.truncated || stderr.truncated,
    };
  }

  async close(reason: string): Promise<void> {
    this.upstream.end();
    await this.recorder
      .close({
        reason,
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

const elapsedMs = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;
