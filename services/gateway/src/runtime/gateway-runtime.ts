import type { DevIssuer } from '../demo/dev-issuer.js';
import {
  createEsdbEventStore,
  openSqlEventStore,
  type EventStore,
  type SqlDatabase,
} from '@portcullis/eventstore';
import { PolicyEngine } from '@portcullis/policy';
import {
  AuditBacklog,
  AuditBuffer,
  ShadowPolicy,
  StoreAccessLifecycle,
  StoreApprovalGate,
  type AuditOptions,
} from '@portcullis/session';
import { createTokenVerifier, type TokenVerifier } from '@portcullis/identity';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/gateway-config.js';
import { shippedPolicy } from '../policy/shipped-policy.js';

/** What the gateway opens before Nest starts, and closes after it stops. */
export interface GatewayRuntime {
  readonly config: GatewayConfig;
  readonly store: EventStore;
  /** Where read models and projection checkpoints live. */
  readonly readModels: SqlDatabase;
  /** The policy every session and command is decided with. */
  readonly policy: PolicyEngine;
  /** A candidate evaluated beside it (policy.shadow): differences recorded, verdicts untouched. */
  readonly shadowPolicy?: ShadowPolicy;
  /** Verifies the OIDC access tokens clients present; null when no issuer is configured (every token is refused). */
  readonly tokens: TokenVerifier | null;
  /** Where the proxies pause statements and sessions for approval; follows every approval stream. */
  readonly approvals: StoreApprovalGate;
  /**
   * Terminations and identity revocations, followed through the store: the
   * proxies ask it at admission and hold every live session in it.
   */
  readonly lifecycle: StoreAccessLifecycle;
  /** How every session of every target is recorded: mode, append timeout, the outage backlog. */
  readonly audit: AuditOptions;
  readonly log: Logger;
  /** The demo's development issuer, served under the API (demo/dev-issuer.ts); never set by `serve`. */
  readonly devIssuer?: DevIssuer;
  close(): Promise<void>;
}

function startApprovals(config: GatewayConfig, store: EventStore): Promise<StoreApprovalGate> {
  return StoreApprovalGate.start({
    store,
    gatewayInstance: config.instance,
    requestTimeoutMs: config.audit.appendTimeoutMs,
    whereToDecide: (id) =>
      `${config.approvals.publicUrl}/api/approvals/${id} (or: portcullis approvals grant ${id})`,
  });
}

/**
 * Starts following terminations and revocations. Admission refuses every
 * identity until the revocation set is known (libs/session access-lifecycle.ts).
 */
async function startLifecycle(
  store: EventStore,
  log: Logger,
  approvals: StoreApprovalGate,
): Promise<StoreAccessLifecycle> {
  try {
    const lifecycle = await StoreAccessLifecycle.start({ store, logger: log });
    if (!lifecycle.ready) log.warn('revocations not read yet: every session is refused until they are');
    return lifecycle;
  } catch (error) {
    await approvals.close();
    throw error;
  }
}

/** One backlog and (in async mode) one buffer for every session of every target. */
function auditOptions(config: GatewayConfig): AuditOptions {
  return {
    mode:
      config.audit.mode === 'async'
        ? { kind: 'async', buffer: new AuditBuffer(config.audit.asyncBufferEvents) }
        : { kind: 'strict' },
    appendTimeoutMs: config.audit.appendTimeoutMs,
    backlog: new AuditBacklog(config.audit.backlogEvents),
    overlapReads: config.audit.overlapReads,
  };
}

/** Opens the configured store (migrating SQL databases first). Fails with the address on an unreachable store. */
export async function openRuntime(config: GatewayConfig, log: Logger): Promise<GatewayRuntime> {
  // The policy first: a bundle that does not load keeps the gateway from
  // starting at all (fail closed), before anything is opened.
  const policy = await PolicyEngine.load(config.policy.bundle ?? shippedPolicy.bundle, {
    labels: { instance: config.instance },
    ...(config.policy.data ? { data: config.policy.data } : {}),
  });
  log.info(
    {
      revision: policy.revision,
      bundle: policy.source,
      ...(policy.data ? { data: policy.data.source } : {}),
    },
    'policy bundle loaded',
  );
  const shadow = config.policy.shadow;
  const shadowPolicy = shadow
    ? new ShadowPolicy(
        await PolicyEngine.load(shadow.bundle ?? config.policy.bundle ?? shippedPolicy.bundle, {
          labels: { instance: config.instance, role: 'shadow' },
          ...(shadow.data ? { data: shadow.data } : {}),
        }),
      )
    : undefined;
  if (shadowPolicy) log.info({ revision: shadowPolicy.engine.revision }, 'shadow policy loaded');
  const tokens = config.issuers.length ? createTokenVerifier(config.issuers) : null;
  if (tokens) {
    // Fetch keys now so the first client does not wait; an unreachable JWKS
    // endpoint is logged, not fatal: verification fails closed until it answers.
    tokens.warm().catch((error: unknown) => log.warn({ err: error }, 'could not fetch issuer keys at start'));
  }
  const store = config.store;
  if (store.kind === 'esdb') {
    // Events in EventStoreDB; read models and their checkpoints in SQL.
    const readModels = await openSqlEventStore(store.readModels);
    const events = createEsdbEventStore({
      connectionString: store.connectionString,
      gatewayInstance: config.instance,
    });
    try {
      await events.ping();
    } catch (error) {
      await events.close().catch(() => {});
      await readModels.store.close();
      throw error;
    }
    log.info({ store: events.description, readModels: readModels.db.description }, 'event store open');
    const approvals = await startApprovals(config, events);
    const lifecycle = await startLifecycle(events, log, approvals);
    return {
      config,
      store: events,
      readModels: readModels.db,
      policy,
      ...(shadowPolicy ? { shadowPolicy } : {}),
      tokens,
      approvals,
      lifecycle,
      audit: auditOptions(config),
      log,
      close: async () => {
        await lifecycle.close();
        await approvals.close();
        await events.close();
        await readModels.store.close();
      },
    };
  }
  const opened = await openSqlEventStore(store);
  log.info(
    { store: opened.store.description, migrationsApplied: opened.migrations.applied },
    'event store open',
  );
  const approvals = await startApprovals(config, opened.store).catch(async (error: unknown) => {
    await opened.store.close();
    throw error;
  });
  const lifecycle = await startLifecycle(opened.store, log, approvals).catch(async (error: unknown) => {
    await opened.store.close();
    throw error;
  });
  return {
    config,
    store: opened.store,
    readModels: opened.db,
    policy,
    tokens,
    approvals,
    lifecycle,
    audit: auditOptions(config),
    log,
    close: async () => {
      await lifecycle.close();
      await approvals.close();
      await opened.store.close();
    },
  };
}
