import { randomUUID } from 'node:crypto';
import type { FrontEnd } from '@portcullis/events';
import type { Identity } from '@portcullis/identity';
import {
  DecisionCache,
  SessionRecorder,
  writeAhead,
  type LedgerLogger,
  type ReviewContext,
} from '@portcullis/session';
import { checkSessionAccess } from '../connection/check-session-access.js';
import { connectUpstream } from '../connection/connect-upstream.js';
import { sessionOpened, sessionRejected } from '../connection/session-audit.js';
import { asSessionRefusal, storeUnavailable } from '../connection/session-refusal.js';
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
> & {
  readonly logger: LedgerLogger;
  /** Shared by the front end's sessions of this target (catalog-epoch.ts). */
  readonly catalogEpoch?: CatalogEpoch;
};

/**
 * A PostgreSQL session opened by a front end that has no PostgreSQL wire of
 * its own (the MCP server): the same steps as a proxy connection — session
 * admission (libs/session), the proxy's own upstream session, SessionOpened
 * marked with the front end — and per statement the proxy's decision
 * (`decideStatement`: classification, policy, host rules, masking plan), the
 * core's write-ahead, and the proxy's result masking. The front end composes
 * these with the core's approval wait exactly as simple-query.ts does.
 */
export class StatementSession {
  /** What the agent sent (command texts) and got back (returned values, output), as SessionClosed counts them. */
  private bytesFromClient = 0;
  private bytesToClient = 0;

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
  ): Promise<StatementSession> {
    const sessionId = randomUUID();
    const subject = { identity, target: options.target, sessionId, clientAddress };
    const context = { actor: identity.subject, gatewayInstance: options.gatewayInstance };
    let upstream: UpstreamStatements | undefined;
    try {
      const access = await checkSessionAccess(options, subject);
      const connected = await connectUpstream(options.upstream, 'mcp');
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
      };
      const masking = sessionMasking(options, statements, options.catalogEpoch ?? new CatalogEpoch());
      return new StatementSession(
        statements,
        recorder,
        upstream,
        masking,
        options.logger,
        process.hrtime.bigint(),
        cancel,
        options.statementTimeoutMs,
      );
    } catch (error) {
      upstream?.close();
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
  async run(
    sequence: number,
    decision: StatementDecision,
    limits: ResultLimits,
    signal?: AbortSignal,
  ): Promise<StatementResult> {
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
      const message = error instanceof Error ? error.message : String(error);
      void this.recorder
        .completed(sequence, {
          rows: null,
          durationMs: elapsedMs(startedAt),
          error: { code: '08006', message },
        })
        .catch((e: unknown) => this.appendFailed('CommandCompleted', e));
      throw error;
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

  /** Ends the upstream session and records SessionClosed. */
  async close(reason: string): Promise<void> {
    this.upstream.close();
    this.masking.close();
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

const elapsedMs = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;
