/**
 * Real peers for the proxy's int tests: PostgreSQL with a SCRAM role as the
 * upstream, oidc-provider issuing tokens, the shipped policy bundle with test
 * grants in its data, and a pglite event store.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  SubscribeOptions,
} from '@portcullis/eventstore';
import { openSqlEventStore } from '@portcullis/eventstore';
import type { AnyEvent, NewEvent, RecordedEvent } from '@portcullis/events';
import { sessionStream } from '@portcullis/events';
import { createTokenVerifier, type TokenVerifier } from '@portcullis/identity';
import { PolicyEngine } from '@portcullis/policy';
import { initSqlParser } from '@portcullis/sql';
import {
  grantingPolicyBundle,
  postgresBinDir,
  startOidcProvider,
  startPostgres,
  tempDir,
  type OidcProvider,
  type PostgresServer,
  type TempDir,
} from '@portcullis/test-support';
import { psql, requirePasswords, ROLES } from './postgres-auth.js';
import { startPgProxy, type PgProxy } from '../listener/pg-proxy-server.js';
import type { PgProxyOptions } from '../listener/proxy-options.js';

/**
 * Columns the shipped policy data marks sensitive (public.users.email
 * partial, ssn hash); `card` and `note` are not named, the credit_card
 * detector finds what they hold. The raw values are exported so tests can
 * assert they never reach a client or an event.
 */
export const SENSITIVE_ROWS = [
  {
    id: 1,
    email: 'alice.liddell@example.com',
    ssn: '123-45-6789',
    card: '4111 1111 1111 1111',
    note: 'paid with 4012888888881881 today',
  },
  {
    id: 2,
    email: 'bob.builder@example.org',
    ssn: '987-65-4329',
    card: '5500 0000 0000 0004',
    note: 'nothing to see',
  },
] as const;

const SENSITIVE_SCHEMA = [
  'CREATE TABLE public.users (id int PRIMARY KEY, email text, ssn text, card text, note text)',
  `INSERT INTO public.users VALUES ${SENSITIVE_ROWS.map(
    (r) => `(${r.id}, '${r.email}', '${r.ssn}', '${r.card}', '${r.note}')`,
  ).join(', ')}`,
  'CREATE VIEW public.users_v AS SELECT id, email, ssn FROM public.users',
  'CREATE VIEW public.users_shout AS SELECT id, upper(email) AS shout FROM public.users_v',
];

export const TARGET = { name: 'prod-db', labels: { env: 'production', kind: 'database' } };
export const DEPLOYER = 'ci-deployer';
export const STRANGER = 'stranger-agent';

/**
 * An EventStore that delegates to a real one, with a hook before each
 * append: tests use it to hold a write-ahead append and look at the
 * upstream meanwhile, or to make the store fail.
 */
export class GatedStore implements EventStore {
  beforeAppend: ((events: readonly NewEvent[]) => Promise<void>) | undefined;
  constructor(private readonly inner: EventStore) {}
  get description() {
    return `gated ${this.inner.description}`;
  }
  get checkpoints() {
    return this.inner.checkpoints;
  }
  async append(
    stream: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    await this.beforeAppend?.(events);
    return this.inner.append(stream, events, expected);
  }
  readStream<E extends AnyEvent>(stream: string, options?: ReadStreamOptions) {
    return this.inner.readStream<E>(stream, options);
  }
  readAll<E extends AnyEvent>(options?: ReadAllOptions) {
    return this.inner.readAll<E>(options);
  }
  subscribeToAll<E extends AnyEvent>(options?: SubscribeOptions) {
    return this.inner.subscribeToAll<E>(options);
  }
  ping() {
    return this.inner.ping();
  }
  close() {
    return this.inner.close();
  }
}

export interface ProxyWorld {
  readonly postgres: PostgresServer;
  readonly oidc: OidcProvider;
  readonly store: GatedStore;
  readonly tokens: TokenVerifier;
  readonly policy: PolicyEngine;
  readonly proxy: PgProxy;
  /** Options the proxy was started with, to start variants. */
  readonly options: PgProxyOptions;
  /** psql as the superuser, straight to the upstream (not through the proxy). */
  direct(sql: string): string;
  /** Events of every session stream, oldest first. */
  sessions(): Promise<Map<string, RecordedEvent[]>>;
  stop(): Promise<void>;
}

export interface ProxyWorldOptions {
  /** Extra settings of the upstream PostgreSQL (e.g. `log_statement: 'all'`). */
  readonly postgresSettings?: Record<string, string>;
  /** Options of the proxy beyond the fixture's (timeouts, TLS, …). */
  readonly proxy?: Partial<PgProxyOptions>;
}

export async function startProxyWorld(worldOptions: ProxyWorldOptions = {}): Promise<ProxyWorld> {
  const dir: TempDir = await tempDir('portcullis-pg-proxy-');
  const cleanups: (() => Promise<unknown>)[] = [() => dir.remove()];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const [postgres, oidc] = await Promise.all([
      startPostgres({
        ...(worldOptions.postgresSettings ? { settings: worldOptions.postgresSettings } : {}),
      }),
      startOidcProvider({ clients: [{ clientId: DEPLOYER }, { clientId: STRANGER }] }),
      initSqlParser(),
    ]);
    cleanups.push(
      () => postgres.stop(),
      () => oidc.stop(),
    );
    await requirePasswords(postgres);
    psql(
      postgres,
      [
        'CREATE TABLE public.accounts (id int PRIMARY KEY, owner text NOT NULL)',
        "INSERT INTO public.accounts VALUES (1, 'alice'), (2, 'bob'), (3, 'carol')",
        `GRANT ALL ON public.accounts TO ${ROLES.scram.user}`,
        ...SENSITIVE_SCHEMA,
        `GRANT ALL ON public.users, public.users_v, public.users_shout TO ${ROLES.scram.user}`,
      ].join(';'),
    );
    const policy = await PolicyEngine.load(
      await grantingPolicyBundle(dir.path, {
        issuer: oidc.issuer,
        appIds: [DEPLOYER],
        targetLabels: [{ env: ['production'], kind: ['database'] }],
      }),
    );
    const opened = await openSqlEventStore({ kind: 'pglite', dataDir: join(dir.path, 'store') });
    const store = new GatedStore(opened.store);
    cleanups.push(() => store.close());
    const tokens = createTokenVerifier([{ issuer: oidc.issuer, audiences: [oidc.audience] }]);
    const options: PgProxyOptions = {
      listen: { host: '127.0.0.1', port: 0 },
      target: TARGET,
      upstream: {
        host: postgres.host,
        port: postgres.port,
        user: ROLES.scram.user,
        password: ROLES.scram.password,
        database: 'postgres',
      },
      tokens,
      policy,
      store,
      gatewayInstance: 'gw-int-test',
      ...worldOptions.proxy,
    };
    const proxy = await startPgProxy(options);
    cleanups.push(() => proxy.close());
    return {
      postgres,
      oidc,
      store,
      tokens,
      policy,
      proxy,
      options,
      direct: (sql) => psql(postgres, sql),
      async sessions() {
        const all = await opened.store.readAll({ filter: { streamPrefixes: ['session-'] } });
        const byStream = new Map<string, RecordedEvent[]>();
        for (const event of all) {
          byStream.set(event.streamName, [...(byStream.get(event.streamName) ?? []), event]);
        }
        for (const [stream, events] of byStream) {
          byStream.set(stream, await opened.store.readStream(stream));
          void events;
        }
        return byStream;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export const streamOf = sessionStream;

export interface PsqlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Real psql through the proxy as the deployer (a fresh token), `-Atc sql`; never throws on a non-zero exit. */
export async function psqlThroughProxy(world: ProxyWorld, sql: string): Promise<PsqlResult> {
  const env = { ...process.env, PGPASSWORD: await world.oidc.issueToken(DEPLOYER), PGSSLMODE: 'disable' };
  const args = ['-h', '127.0.0.1', '-p', String(world.proxy.address.port), '-U', 'agent', '-d', TARGET.name];
  try {
    const { stdout, stderr } = await promisify(execFile)(
      join(postgresBinDir(), 'psql'),
      [...args, '-w', '-Atc', sql],
      {
        env,
      },
    );
    return { code: 0, stdout: stdout.trim(), stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout.trim(), stderr: e.stderr };
  }
}
