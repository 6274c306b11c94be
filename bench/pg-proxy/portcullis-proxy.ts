import { join } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { AuditBuffer } from '@portcullis/session';
import { openSqlEventStore, type EventStore } from '@portcullis/eventstore';
import { createTokenVerifier } from '@portcullis/identity';
import { startPgProxy, type PgProxy } from '@portcullis/pg-proxy';
import { PolicyEngine } from '@portcullis/policy';
import {
  grantingPolicyBundle,
  startOidcProvider,
  startPostgres,
  type OidcProvider,
  type PostgresServer,
} from '@portcullis/test-support';
import { DiscardingStore } from './discarding-store.js';

export const TARGET = { name: 'bench', labels: { env: 'production', kind: 'database' } };
export const AGENT = 'bench-agent';

/** Durable commits on both servers: the numbers an operator gets, not a test server's. */
export const DURABLE = {
  fsync: 'on',
  synchronous_commit: 'on',
  full_page_writes: 'on',
  shared_buffers: '256MB',
  max_connections: '200',
};

/** Where the proxy's events go: a PostgreSQL event store (as configured), or nowhere (diagnostic). */
export type StoreChoice =
  | {
      kind: 'postgres';
      settings: Record<string, string>;
      maxConcurrentTransactions?: number;
      /** `audit.mode: async` with this many events buffered (default: strict write-ahead). */
      asyncBufferEvents?: number;
      /** `audit.overlapReads` (default true): effect-free reads run while their pair is appended. */
      overlapReads?: boolean;
    }
  | { kind: 'discard' }
  /** The embedded store a newcomer runs (`npm start`): PGlite in this process. */
  | { kind: 'pglite'; overlapReads?: boolean };

/** How many appends the store took, in how many transactions (group commit). */
export interface StoreCounters {
  readonly transactions: number;
  readonly appends: number;
}

export interface PortcullisUnderTest {
  readonly proxy: PgProxy;
  readonly oidc: OidcProvider;
  /** Group-commit counters of the PostgreSQL store; zeros for the discarding one. */
  groupCommitStats(): StoreCounters;
  /** CPU µs the store's PostgreSQL server has used so far (0 for the discarding store, NaN for PGlite: in process). */
  storeCpuMicros(): number;
  token(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The proxy in this process, assembled as `portcullis serve` assembles it:
 * a real OIDC provider and verifier, the shipped policy bundle (production
 * profile) with a grant for the bench agent, and strict write-ahead audit
 * into a PostgreSQL event store. In-process rather than `portcullis serve`
 * so the same run can take a CPU profile of the proxy alone.
 *
 * The event store is a second PostgreSQL server, as an operator would run
 * it (the audit log does not live in the audited database); both share
 * this machine's disk and cores.
 */
export async function startPortcullis(
  upstream: PostgresServer,
  dir: string,
  storeChoice: StoreChoice = { kind: 'postgres', settings: DURABLE },
  /** Detectors the operator switched off (policy data `masking.detectors_off`); the shipped data runs all. */
  detectorsOff: readonly string[] = [],
): Promise<PortcullisUnderTest> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const oidc = await startOidcProvider({ clients: [{ clientId: AGENT }], accessTokenTtlSeconds: 3600 });
    cleanups.push(() => oidc.stop());
    let store: EventStore;
    let groupCommitStats = (): StoreCounters => ({ transactions: 0, appends: 0 });
    let storeCpuMicros = () => 0;
    if (storeChoice.kind === 'postgres') {
      const server = await startPostgres({ settings: storeChoice.settings });
      cleanups.push(() => server.stop());
      storeCpuMicros = () => server.cpuMicros();
      const opened = await openSqlEventStore({
        kind: 'postgres',
        url: server.url(),
        ...(storeChoice.maxConcurrentTransactions
          ? { maxConcurrentTransactions: storeChoice.maxConcurrentTransactions }
          : {}),
      });
      cleanups.push(() => opened.store.close());
      store = opened.store;
      groupCommitStats = () => ({ ...opened.store.groupCommitStats });
    } else if (storeChoice.kind === 'pglite') {
      const opened = await openSqlEventStore({ kind: 'pglite', dataDir: join(dir, 'pglite-store') });
      cleanups.push(() => opened.store.close());
      store = opened.store;
      groupCommitStats = () => ({ ...opened.store.groupCommitStats });
      storeCpuMicros = () => NaN; // the store runs inside this process: counted in the proxy's CPU
    } else {
      store = new DiscardingStore();
    }
    const bundle = await grantingPolicyBundle(dir, {
      issuer: oidc.issuer,
      appIds: [AGENT],
      targetLabels: [{ env: ['production'], kind: ['database'] }],
    });
    if (detectorsOff.length > 0) {
      const dataFile = join(bundle, 'data.json');
      const data = JSON.parse(await readFile(dataFile, 'utf8')) as {
        portcullis: { masking: { detectors_off?: string[] } };
      };
      data.portcullis.masking.detectors_off = [...detectorsOff];
      await writeFile(dataFile, JSON.stringify(data));
    }
    const policy = await PolicyEngine.load(bundle);
    const proxy = await startPgProxy({
      listen: { host: '127.0.0.1', port: 0 },
      target: TARGET,
      upstream: { host: upstream.host, port: upstream.port, user: 'postgres', database: 'postgres' },
      tokens: createTokenVerifier([{ issuer: oidc.issuer, audiences: [oidc.audience] }]),
      policy,
      store,
      gatewayInstance: 'bench',
      ...(storeChoice.kind === 'postgres' && storeChoice.asyncBufferEvents
        ? {
            audit: {
              mode: { kind: 'async' as const, buffer: new AuditBuffer(storeChoice.asyncBufferEvents) },
            },
          }
        : storeChoice.kind !== 'discard' && storeChoice.overlapReads === false
          ? { audit: { overlapReads: false } }
          : {}),
    });
    cleanups.push(() => proxy.close());
    return { proxy, oidc, groupCommitStats, storeCpuMicros, token: () => oidc.issueToken(AGENT), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
