import { randomUUID } from 'node:crypto';
import type { FrontEnd } from '@portcullis/events';
import type { Identity } from '@portcullis/identity';
import {
  DecisionCache,
  SessionRecorder,
  writeAhead,
  type HeldSession,
  type LedgerLogger,
  type ReviewContext,
} from '@portcullis/session';
import { checkSessionAccess } from '../connection/check-session-access.js';
import { credentialIssued, sessionOpened, sessionRejected } from '../connection/session-audit.js';
import { asSessionRefusal, SqlState, storeUnavailable } from '../connection/session-refusal.js';
import { connectSessionUpstream, type SessionUpstream } from '../credentials/session-upstream.js';
import { upstreamCanceller } from '../connection/session-timeouts.js';
import type { PgProxyOptions } from '../listener/proxy-options.js';
import { CatalogEpoch } from '../masking/catalog-epoch.js';
import { sessionMasking } from '../masking/session-masking.js';
import {
  decideStatement,
  type StatementContext,
  type StatementDecision,
} from '../statements/decide-statement.js';
import type { ResultLimits, StatementResult } from './statement-result.js';
import { UpstreamStatements } from './upstream-statements.js';

/** What a statement session needs of the PostgreSQL target configuration (the proxy's own options). */
export type StatementSessionOptions = Pick<
  PgProxyOptions,
  | 'target'
  | 'upstream'
  | 'policy'
  | 'shadowPolicy'
  | 'store'
  | 'gatewayInstance'
  | 'maskingKey'
  | 'approvals'
  | 'sessionWindowSeconds'
  | 'audit'
  | 'statementTimeoutMs'
  | 'lifecycle'
  | 'credential'
> & {
  readonly logger: LedgerLogger;
  /** Shared by the front end's sessions of this target (catalog-epoch.ts). */
  readonly catalogEpoch?: CatalogEpoch;
};

/**
 * The session was ended while the statement ran, or before: an operator's
 * termination, or its credential expired. `goodbye` is what the client is told.
 */
export class StatementSessionEnded extends Error {
  constructor(readonly goodbye: string) {
    super(goodbye);
  }
}

/**
 * A PostgreSQL session opened by a front end that has no PostgreSQL wire of
 * its own (the MCP server): the same steps as a proxy connection — session
 * admission (libs/session), the proxy's own upstream session, SessionOpened
 * marked with the front end — and per statement the proxy's decision
 * (`decideStatement`: classification, policy, host rules, masking plan), the
 * core's write-ahead, and the proxy's result masking. The front end composes
 * these with the core's approval wait exactly as simple-query.ts does.
 *
 * The upstream session is opened in the target's credential mode, as the
 * proxy's (session-upstream.ts: an ephemeral role dropped at close, or SET
 * ROLE with role changes refused), and the session is held in the access
 * lifecycle (libs/session) like a proxy connection: an operator's
 * termination or a revocation ends it (`end`), and SessionClosed says who.
 */
export class StatementSession {
  /** What the agent sent (command texts) and got back (returned values, output), as SessionClosed counts them. */
  private bytesFromClient = 0;
  private bytesToClient = 0;
  private held: HeldSession | undefined;
  private goodbye: string | undefined;
  private closing: Promise<void> | undefined;
  private readonly running = new Set<Promise<unknown>>();
  private expiry: NodeJS.Timeout | undefined;
  private expired = false;

  private constructor(
    readonly context: StatementContext,
    readonly recorder: SessionRecorder,
    private readonly upstream: UpstreamStatements,
    private readonly masking: ReturnType<typeof sessionMasking>,
    private readonly logger: LedgerLogger,
    private readonly startedAt: bigint,
    /** Sends the upstream backend a CancelRequest (undefined: the server gave no key). */
    private readonly cancel: (() => void) | undefined,
    private readonly statementTimeoutMs: number | undefined,
    private readonly credential: SessionUpstream,
    private readonly onEnded: ((goodbye: string) => void) | undefined,
  ) {}

  /**
   * Admits and opens the session; a refusal (policy, approval pending, the
   * upstream or the store unavailable) is recorded as SessionRejected and
   * thrown as a SessionRefusal, whose `clientMessage` is all the client may read.
   */
  static async open(
    options: StatementSessionOptions,
    identity: Identity,
    clientAddress: string,
    frontEnd: FrontEnd,
    /** An operator ended the session (after `end` closed the upstream): the front end ends its own. */
    onEnded?: (goodbye: string) => void,
  ): Promise<StatementSession> {
    const sessionId = randomUUID();
    const subject = { identity, target: options.target, sessionId, clientAddress };
    const context = { actor: identity.subject, gatewayInstance: options.gatewayInstance };
    let upstream: UpstreamStatements | undefined;
    let credential: SessionUpstream | undefined;
    try {
      const access = await checkSessionAccess(options, subject);
      credential = await connectSessionUpstream(
        options,
        {
          sessionId,
          identity,
          grantedRole: access.decision.upstream?.role,
          ...(access.grant ? { approvedUntil: access.grant.until } : {}),
          applicationName: `mcp:${sessionId.slice(0, 8)}:${identity.subject}`,
        },
        options.logger,
      );
      const connected = credential.upstream;
      upstream = new UpstreamStatements(connected);
      const key = connected.backendKey;
      const cancel = key
        ? upstreamCanceller({ host: options.upstream.host, port: options.upstream.port, key })
        : undefined;
      let recorder: SessionRecorder;
      try {
        recorder = await SessionRecorder.open(
          options.store,
          {
            ...sessionOpened(sessionId, identity, options.target, clientAddress, access),
            frontEnd,
          },
          context,
          options.audit,
          credential.issued ? [credentialIssued(sessionId, credential.issued)] : [],
        );
      } catch (error) {
        throw storeUnavailable(error, identity);
      }
      const statements: StatementContext = {
        ...subject,
        policy: options.policy,
        ...(options.approvals ? { approvals: options.approvals } : {}),
        ...(access.grant ? { sessionGrant: access.grant } : {}),
        decisions: new DecisionCache<StatementDecision>(),
        ...(options.shadowPolicy ? { shadow: options.shadowPolicy } : {}),
        ...(options.credential?.mode === 'set-role' ? { roleLocked: true } : {}),
      };
      const masking = sessionMasking(options, statements, options.catalogEpoch ?? new CatalogEpoch());
      const session = new StatementSession(
        statements,
        recorder,
        upstream,
        masking,
        options.logger,
        process.hrtime.bigint(),
        cancel,
        options.statementTimeoutMs,
        credential,
        onEnded,
      );
      session.expiry = session.endWithCredential(credential.endsAt);
      // Once SessionOpened is durable; a termination that came first ends it right here.
      session.held = options.lifecycle?.hold({
        sessionId,
        identity,
        end: (goodbye) => session.end(goodbye),
      });
      return session;
    } catch (error) {
      upstream?.close();
      await credential?.revoke();
      const refusal = asSessionRefusal(error, identity);
      await SessionRecorder.reject(
        options.store,
        { ...sessionRejected(sessionId, options.target, clientAddress, refusal), frontEnd },
        context,
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
    return this.upstream.closed;
  }

  /** The goodbye, once an operator ended the session: it runs nothing more. */
  get ended(): string | undefined {
    return this.goodbye;
  }

  /** What the core's approval wait needs (libs/session awaitApproval). */
  get review(): ReviewContext {
    return { ...this.context, targetName: this.context.target.name };
  }

  /**
   * The proxy's decision of a text, as a psql client's statement is decided
   * (decide-statement.ts). With `parameters` the text runs as one
   * extended-protocol statement, and CommandReceived records them, as for an
   * Execute on the wire.
   */
  decide(text: string, approvalId?: string, parameters?: readonly (string | null)[]): StatementDecision {
    if (approvalId === undefined) this.bytesFromClient += Buffer.byteLength(text);
    const decision = decideStatement(this.context, text, approvalId);
    if (parameters === undefined) return decision;
    return { ...decision, received: { ...decision.received, parameters: [...parameters] } };
  }

  /** CommandReceived + CommandDecided durable: the sequence, or undefined (refuse: audit unavailable). */
  writeAhead(decision: StatementDecision): Promise<number | undefined> {
    return writeAhead(this.recorder, decision, { errorCode: '42501', logger: this.logger });
  }

  blocked(sequence: number, refusal: string): void {
    this.recorder
      .blocked(sequence, { reason: refusal, errorCode: '42501' })
      .catch((error: unknown) => this.appendFailed('CommandBlocked', error));
  }

  /**
   * Runs an allowed, durable statement upstream; records CommandForwarded,
   * ResultMasked, CommandCompleted. Past the target's statementTimeoutMs, or
   * when `signal` aborts (the client gave up), the backend is sent a
   * CancelRequest and PostgreSQL's 57014 is the result, as on the wire.
   */
  run(
    sequence: number,
    decision: StatementDecision,
    limits: ResultLimits,
    signal?: AbortSignal,
  ): Promise<StatementResult> {
    const run = this.runStatement(sequence, decision, limits, signal);
    this.running.add(run);
    void run.catch(() => undefined).finally(() => this.running.delete(run));
    return run;
  }

  private async runStatement(
    sequence: number,
    decision: StatementDecision,
    limits: ResultLimits,
    signal?: AbortSignal,
  ): Promise<StatementResult> {
    if (this.goodbye !== undefined) throw new StatementSessionEnded(this.goodbye);
    const startedAt = process.hrtime.bigint();
    void this.recorder.forwarded(sequence).catch((e: unknown) => this.appendFailed('CommandForwarded', e));
    let ran;
    let cancelled = false;
    const cancel = () => {
      if (cancelled) return;
      cancelled = true;
      this.cancel?.();
    };
    const timer = this.statementTimeoutMs ? setTimeout(cancel, this.statementTimeoutMs) : undefined;
    timer?.unref();
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      ran = await this.upstream.run(
        decision.received.text,
        this.masking.masking,
        decision.masking,
        limits,
        decision.received.parameters,
      );
    } catch (error) {
      const goodbye = this.goodbye ?? (this.expired ? CREDENTIAL_EXPIRED : undefined);
      const message = goodbye ?? (error instanceof Error ? error.message : String(error));
      void this.recorder
        .completed(sequence, {
          rows: null,
          durationMs: elapsedMs(startedAt),
          error: { code: goodbye === undefined ? '08006' : SqlState.AdminShutdown, message },
        })
        .catch((e: unknown) => this.appendFailed('CommandCompleted', e));
      throw goodbye === undefined ? error : new StatementSessionEnded(goodbye);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', cancel);
    }
    const { result, masking } = ran;
    if (masking && !masking.report.isEmpty) {
      void this.recorder
        .masked(sequence, masking.report.toMaskedColumns())
        .catch((e: unknown) => this.appendFailed('ResultMasked', e));
    }
    const tag = result.commandTags.at(-1);
    void this.recorder
      .completed(sequence, {
        rows: result.rowCount,
        durationMs: elapsedMs(startedAt),
        ...(tag === undefined ? {} : { commandTag: tag }),
        ...(result.error ? { error: result.error } : {}),
      })
      .catch((e: unknown) => this.appendFailed('CommandCompleted', e));
    this.bytesToClient += result.rows.reduce(
      (n, row) => n + row.reduce((m, v) => m + (v === null ? 0 : Buffer.byteLength(v)), 0),
      0,
    );
    return result;
  }

  /**
   * Ends the upstream session, takes back its credential (the ephemeral role
   * dropped) and records SessionClosed (who ended it, when an operator did); once.
   */
  close(reason: string): Promise<void> {
    return (this.closing ??= this.closeOnce(reason));
  }

  /**
   * An operator ended the session (libs/session LiveSessions): nothing more
   * runs from here on, a running statement is cut off, and the front end is told.
   */
  private end(goodbye: string): void {
    if (this.goodbye !== undefined) return;
    this.goodbye = goodbye;
    // The server would otherwise go on running it after the socket is gone.
    if (this.running.size > 0) this.cancel?.();
    this.upstream.close();
    this.onEnded?.(goodbye);
  }

  /** As on the wire, the session ends with its credential (handle-connection.ts). */
  private endWithCredential(endsAt: Date | undefined): NodeJS.Timeout | undefined {
    if (!endsAt) return undefined;
    // setTimeout holds at most 2^31-1 ms; a longer validity is clamped (the role's VALID UNTIL still binds).
    const delay = Math.min(Math.max(0, endsAt.getTime() - Date.now()), 2 ** 31 - 1);
    // Not an operator's end: the front end may open a new session (with a new credential).
    const timer = setTimeout(() => {
      this.expired = true;
      if (this.running.size > 0) this.cancel?.();
      this.upstream.close();
    }, delay);
    timer.unref();
    return timer;
  }

  private async closeOnce(reason: string): Promise<void> {
    clearTimeout(this.expiry);
    this.held?.release();
    this.upstream.close();
    // A running statement records CommandCompleted before SessionClosed.
    await Promise.allSettled([...this.running]);
    this.masking.close();
    const revoked = await this.credential.revoke();
    if (revoked)
      void this.recorder
        .credentialRevoked(revoked)
        .catch((e: unknown) => this.appendFailed('UpstreamCredentialRevoked', e));
    const closing = this.expired
      ? { reason: 'credential_expired' }
      : (this.held?.closing(reason) ?? { reason });
    await this.recorder
      .close({
        ...closing,
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

const CREDENTIAL_EXPIRED = "portcullis: the session's upstream credential expired";

const elapsedMs = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;
