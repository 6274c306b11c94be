import Type, { type Static } from 'typebox';
import { IssuerConfigSchema, type IssuerConfig } from '@portcullis/identity';

/**
 * The gateway's configuration (`portcullis.yaml`). Every object refuses
 * unknown keys, so a typo fails at start with the key's path instead of
 * being silently ignored.
 */
const HostPort = Type.String({
  pattern: '^[^\\s:]+:\\d{1,5}$|^\\[[0-9a-fA-F:]+\\]:\\d{1,5}$',
  description: 'host:port, e.g. 127.0.0.1:8080',
});

const PgliteStore = Type.Object(
  {
    kind: Type.Literal('pglite'),
    dataDir: Type.String({ minLength: 1, description: 'Directory of the embedded database. Default ./data' }),
  },
  { additionalProperties: false },
);
const PostgresStore = Type.Object(
  {
    kind: Type.Literal('postgres'),
    url: Type.String({
      pattern: '^postgres(ql)?://',
      description: 'postgres://user:password@host:port/database',
    }),
    maxConnections: Type.Optional(Type.Integer({ minimum: 2, maximum: 200 })),
    maxConcurrentTransactions: Type.Optional(Type.Integer({ minimum: 1, maximum: 32 })),
  },
  { additionalProperties: false },
);
const EsdbStore = Type.Object(
  {
    kind: Type.Literal('esdb'),
    connectionString: Type.String({ pattern: '^esdb(\\+discover)?://' }),
    readModels: Type.Union([PgliteStore, PostgresStore], {
      description: 'Where read models and their checkpoints live (EventStoreDB holds only events).',
    }),
  },
  { additionalProperties: false },
);

const PostgresTarget = Type.Object(
  {
    name: Type.String({
      pattern: '^[a-zA-Z0-9_.-]{1,63}$',
      description: 'What clients use as the database name; policy sees it as target.name.',
    }),
    protocol: Type.Literal('postgres'),
    listen: HostPort,
    labels: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'e.g. env: production' })),
    upstream: Type.Object(
      {
        host: Type.String({ minLength: 1 }),
        port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
        database: Type.String({ minLength: 1 }),
        user: Type.String({ minLength: 1 }),
        password: Type.Optional(Type.String({ description: 'Use ${ENV}; clients never see it.' })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const GatewayConfigSchema = Type.Object(
  {
    instance: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'This gateway instance, recorded in every event. Default: hostname',
      }),
    ),
    api: Type.Optional(
      Type.Object(
        {
          listen: Type.Optional(HostPort),
        },
        { additionalProperties: false },
      ),
    ),
    store: Type.Optional(Type.Union([PgliteStore, PostgresStore, EsdbStore])),
    audit: Type.Optional(
      Type.Object(
        {
          mode: Type.Optional(Type.Union([Type.Literal('strict'), Type.Literal('async')])),
          asyncBufferEvents: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    log: Type.Optional(
      Type.Object(
        {
          level: Type.Optional(
            Type.Union(
              ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    policy: Type.Optional(
      Type.Object(
        {
          bundle: Type.Optional(Type.String({ minLength: 1, description: 'Bundle directory or .tar.gz' })),
        },
        { additionalProperties: false },
      ),
    ),
    issuers: Type.Optional(
      Type.Array(IssuerConfigSchema, {
        description: 'OIDC issuers whose access tokens the proxies accept (libs/identity)',
      }),
    ),
    targets: Type.Optional(
      Type.Array(PostgresTarget, { description: 'Proxied targets (PostgreSQL for now)' }),
    ),
  },
  { additionalProperties: false },
);

export type GatewayConfigFile = Static<typeof GatewayConfigSchema>;
export type StoreConfig = NonNullable<GatewayConfigFile['store']>;
export type TargetConfig = Static<typeof PostgresTarget>;

/** The configuration with every default filled in. */
export interface GatewayConfig {
  instance: string;
  api: { host: string; port: number };
  store: StoreConfig;
  audit: { mode: 'strict' | 'async'; asyncBufferEvents: number };
  log: { level: string };
  policy: { bundle: string | undefined };
  issuers: IssuerConfig[];
  targets: TargetConfig[];
  /** Where the configuration came from, for messages. */
  source: string;
}
