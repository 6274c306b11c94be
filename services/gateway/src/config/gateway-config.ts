import Type, { type Static } from 'typebox';
import { IssuerConfigSchema, type IssuerConfig } from '@portcullis/identity';
import { HostPort } from './host-port.js';
import { SiemConfigSchema, type SiemConfig } from './siem-config.js';

/**
 * The gateway's configuration (`portcullis.yaml`). Every object refuses
 * unknown keys, so a typo fails at start with the key's path instead of
 * being silently ignored.
 */

/** Per listener: how long a client may take to authenticate, and how many may be at it at once. */
const listenerLimits = {
  startupTimeoutMs: Type.Optional(
    Type.Integer({
      minimum: 100,
      maximum: 600_000,
      description:
        'A client must be authenticated (and, for PostgreSQL, ready) within this time. Default 15000',
    }),
  ),
  unauthenticatedConnections: Type.Optional(
    Type.Object(
      {
        total: Type.Optional(Type.Integer({ minimum: 1, description: 'Default 256' })),
        perAddress: Type.Optional(Type.Integer({ minimum: 1, description: 'Default 32' })),
      },
      {
        additionalProperties: false,
        description:
          'Connections not yet authenticated, at once; over a cap a new one is refused ("too many connections")',
      },
    ),
  ),
};

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
    queryTimeoutMs: Type.Optional(
      Type.Integer({
        minimum: 100,
        description:
          'A store query unanswered this long fails and its connection is dropped, so a frozen server frees the pool (default 10000).',
      }),
    ),
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
        tls: Type.Optional(
          Type.Object(
            {
              mode: Type.Union(
                [Type.Literal('disable'), Type.Literal('require'), Type.Literal('verify-full')],
                {
                  description:
                    "libpq's sslmode: require encrypts and trusts any certificate; verify-full checks it against caFile and the host name",
                },
              ),
              caFile: Type.Optional(
                Type.String({
                  minLength: 1,
                  description: 'PEM CA for verify-full (default: the system roots)',
                }),
              ),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    tls: Type.Optional(
      Type.Object(
        {
          certFile: Type.String({
            minLength: 1,
            description: 'PEM certificate (chain) presented to clients',
          }),
          keyFile: Type.String({ minLength: 1, description: 'PEM private key of the certificate' }),
          required: Type.Optional(
            Type.Boolean({
              description: 'Refuse plaintext clients. Default: true unless listen is loopback',
            }),
          ),
        },
        {
          additionalProperties: false,
          description: 'TLS towards clients; without it the listener must be on loopback',
        },
      ),
    ),
    ...listenerLimits,
    credential: Type.Optional(
      Type.Object(
        {
          mode: Type.Union([Type.Literal('off'), Type.Literal('ephemeral-role'), Type.Literal('set-role')], {
            description:
              "What each session logs in as. off (default): upstream.user, shared by every session. ephemeral-role: upstream.user is administrative (CREATEROLE) and creates a login role per session, member of the role policy grants (postgres_role), dropped at close. set-role: upstream.user with SET ROLE to the granted role, role changes by the client refused (weaker: the connection's session user stays upstream.user)",
          }),
          maxSessionSeconds: Type.Optional(
            Type.Integer({
              minimum: 60,
              description:
                "ephemeral-role: the role's VALID UNTIL (sooner if a session approval's window ends first); the session is closed then (57P01). Default 3600",
            }),
          ),
        },
        {
          additionalProperties: false,
          description: 'The per-session upstream credential (docs/pg-proxy.md)',
        },
      ),
    ),
    idleTimeoutSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'Close an authenticated session idle this long (57P05). Default 900; 0: never',
      }),
    ),
    statementTimeoutMs: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Cancel a statement running this long (57014). Default: never',
      }),
    ),
    recordResultRows: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1000,
        description:
          'Record the first N result rows of each statement, masked, in CommandCompleted. Default 0',
      }),
    ),
  },
  { additionalProperties: false },
);

const SshTarget = Type.Object(
  {
    name: Type.String({
      pattern: '^[a-zA-Z0-9_.-]{1,63}$',
      description: 'What clients use as their SSH user name; policy sees it as target.name.',
    }),
    protocol: Type.Literal('ssh'),
    listen: HostPort,
    labels: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'e.g. kind: host' })),
    ...listenerLimits,
    credential: Type.Optional(
      Type.Union([Type.Literal('key'), Type.Literal('certificate')], {
        description:
          'key (default): every session logs in with upstream.privateKeyFile, one key shared by all. certificate: each session gets its own key pair and a short-lived certificate from the gateway user CA (ssh.userCaKeyFile) for the principal policy grants (ssh_principal, else upstream.user); the host trusts the CA with TrustedUserCAKeys and holds no key of the proxy',
      }),
    ),
    certificateSeconds: Type.Optional(
      Type.Integer({
        minimum: 30,
        maximum: 86400,
        description:
          'credential certificate: how long a session certificate is valid (it is needed only to log in). Default 300',
      }),
    ),
    upstream: Type.Object(
      {
        host: Type.String({ minLength: 1 }),
        port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
        user: Type.String({ minLength: 1 }),
        privateKeyFile: Type.Optional(
          Type.String({
            minLength: 1,
            description:
              "The proxy's key on the host (OpenSSH or PEM); clients never see it. Required unless credential is certificate",
          }),
        ),
        hostKey: Type.Optional(
          Type.String({ minLength: 1, description: "The host's public key line, e.g. ssh-ed25519 AAAA…" }),
        ),
        knownHostsFile: Type.Optional(
          Type.String({
            minLength: 1,
            description:
              'A known_hosts file holding the host key (unhashed host names); one of hostKey or this',
          }),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** One OIDC provider people sign in to the console with. */
const ConsoleIssuer = Type.Object(
  {
    issuer: Type.String({ minLength: 1, description: 'Exactly as in `issuers[].issuer`.' }),
    name: Type.Optional(
      Type.String({ minLength: 1, description: 'Shown on the sign-in button. Default: the issuer' }),
    ),
    clientId: Type.String({ minLength: 1 }),
    clientSecret: Type.Optional(
      Type.String({ minLength: 1, description: 'Confidential clients: use ${ENV}, or clientSecretFile.' }),
    ),
    clientSecretFile: Type.Optional(
      Type.String({ minLength: 1, description: 'A file holding the client secret (relative to this file).' }),
    ),
    scope: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "Scopes asked for; must get an access token for one of the issuer's `audiences` (Entra: `openid api://portcullis/.default`). Default: openid",
      }),
    ),
    resource: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'RFC 8707 resource indicator sent with the request, when needed.',
      }),
    ),
    redirectUri: Type.Optional(
      Type.String({
        pattern: '^https?://[^\\s]+$',
        description: 'Registered with the provider. Default: <approvals.publicUrl>/console/callback',
      }),
    ),
  },
  { additionalProperties: false },
);

export const GatewayConfigSchema = Type.Object(
  {
    instance: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'This gateway instance, recorded in every event; must be unique among running gateways (crash recovery closes the open sessions recorded under it). Default: <hostname>:<api port>',
      }),
    ),
    api: Type.Optional(
      Type.Object(
        {
          listen: Type.Optional(HostPort),
          auditorGroups: Type.Optional(
            Type.Array(Type.String({ minLength: 1 }), {
              description:
                'Token groups allowed to read the event stream, the compliance read models and the sessions list (GET /api/events, /api/commands, /api/identities, /api/sensitive-access, /api/approval-service-levels, /api/sessions). Default: none, and those routes answer 403 (the sessions list stays open to api.adminGroups)',
            }),
          ),
          adminGroups: Type.Optional(
            Type.Array(Type.String({ minLength: 1 }), {
              description:
                'Token groups allowed to list and terminate live sessions and revoke identities (GET /api/sessions, POST /api/sessions/:id/terminate, /api/identities/…). Default: none, and those routes answer 403 (the sessions list stays open to api.auditorGroups). Approver groups are not admins unless listed here',
            }),
          ),
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
          appendTimeoutMs: Type.Optional(
            Type.Integer({
              minimum: 50,
              maximum: 60_000,
              description:
                'The longest a command or a session admission waits for its write-ahead append; then it is refused (default 2000).',
            }),
          ),
          backlogEvents: Type.Optional(
            Type.Integer({
              minimum: 2,
              description:
                'Events kept in memory while the store is unavailable, to be appended when it is back (default 10000).',
            }),
          ),
          overlapReads: Type.Optional(
            Type.Boolean({
              description:
                'Strict mode: forward an effect-free read (one plain SELECT of known side-effect-free functions) while its write-ahead pair is appended, and hold its result until the pair is durable (default true). false: every statement waits before it is forwarded. Turn it off if views call volatile functions.',
            }),
          ),
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
          data: Type.Optional(
            Type.String({
              minLength: 1,
              description:
                "Operator policy data: a YAML or JSON file, or a directory of them, merged over the bundle's data.portcullis (issuers, grants, targets, masking, review defaults) and reloaded when it changes. Relative to this file. Schema: policies-rego/schemas/data.schema.json",
            }),
          ),
          shadow: Type.Optional(
            Type.Object(
              {
                bundle: Type.Optional(Type.String({ minLength: 1, description: 'Default: the live bundle' })),
                data: Type.Optional(Type.String({ minLength: 1, description: 'Default: none' })),
              },
              {
                additionalProperties: false,
                description:
                  'A candidate policy evaluated beside the live one on every command; where it would decide differently, ShadowDecisionDiffered is recorded. It never changes a verdict. Paths relative to this file.',
              },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    approvals: Type.Optional(
      Type.Object(
        {
          publicUrl: Type.Optional(
            Type.String({
              pattern: '^https?://[^\\s]+$',
              description:
                'Where approvers reach this API (links in notices and webhooks). Default: http://<api.listen>',
            }),
          ),
          sessionWindowSeconds: Type.Optional(
            Type.Integer({
              minimum: 60,
              maximum: 86_400,
              description: 'How long a granted session approval lets its requester in. Default 3600',
            }),
          ),
          webhook: Type.Optional(
            Type.Object(
              {
                url: Type.String({
                  pattern: '^https?://[^\\s]+$',
                  description: 'Receives approval events (POST, JSON)',
                }),
                secret: Type.String({
                  minLength: 16,
                  description: 'HMAC-SHA256 key for the x-portcullis-signature header. Use ${ENV}.',
                }),
                timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000 })),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    console: Type.Optional(
      Type.Object(
        {
          issuers: Type.Array(ConsoleIssuer, {
            minItems: 1,
            description:
              'Where people sign in to /console (authorization code with PKCE). Each issuer must also be one of `issuers`: the access token got at sign-in is verified exactly as API tokens are.',
          }),
          adminGroups: Type.Optional(
            Type.Array(Type.String({ minLength: 1 }), {
              description:
                'Token groups that administer the console: the sessions pages (with SSH terminal recordings), terminating live sessions, and the compliance pages. Default: api.adminGroups',
            }),
          ),
          auditorGroups: Type.Optional(
            Type.Array(Type.String({ minLength: 1 }), {
              description:
                'Token groups that see the sessions pages (and play SSH terminal recordings) and the compliance pages (/console/sessions, /console/compliance). Default: api.auditorGroups',
            }),
          ),
          sessionTtlSeconds: Type.Optional(
            Type.Integer({
              minimum: 60,
              maximum: 86_400,
              description:
                "How long a console sign-in lasts at most (never past the access token's expiry). Default 28800",
            }),
          ),
        },
        {
          additionalProperties: false,
          description:
            'The web console at /console. Without this section it only says how to configure sign-in.',
        },
      ),
    ),
    mcp: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(
            Type.Boolean({
              description:
                'Serve the MCP endpoint at /mcp on the API listener (every configured target reachable through it). Default true when an issuer is configured',
            }),
          ),
          resource: Type.Optional(
            Type.String({
              pattern: '^https?://[^\\s]+/mcp$',
              description:
                'The public URL of the MCP endpoint (ending in /mcp), named in the protected-resource metadata and 401 challenges. Default: http://<Host header>/mcp',
            }),
          ),
          maxSessionsPerIdentity: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 1000,
              description: 'MCP sessions one identity may hold at once. Default 4',
            }),
          ),
          idleTimeoutSeconds: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 86_400,
              description:
                'An MCP session without requests for this long is closed with its sessions. Default 900',
            }),
          ),
          maxRows: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 100_000,
              description: 'Rows one query returns at most. Default 1000',
            }),
          ),
          maxResultBytes: Type.Optional(
            Type.Integer({
              minimum: 1024,
              maximum: 67_108_864,
              description:
                'UTF-8 bytes of values one query returns at most (rows past it are cut). Default 1048576',
            }),
          ),
          maxOutputBytes: Type.Optional(
            Type.Integer({
              minimum: 1024,
              maximum: 16_777_216,
              description: 'Bytes of stdout, and of stderr, one exec returns at most. Default 65536',
            }),
          ),
          maxApprovalWaitSeconds: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 600,
              description: 'The longest one await_approval call waits. Default 60',
            }),
          ),
          execTimeoutSeconds: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 3600,
              description:
                'The longest one exec runs: past it the command is sent KILL, its channel closed, and the tool answers a timeout error (CommandCompleted records it). Default 300',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    issuers: Type.Optional(
      Type.Array(IssuerConfigSchema, {
        description: 'OIDC issuers whose access tokens the proxies accept (libs/identity)',
      }),
    ),
    ssh: Type.Optional(
      Type.Object(
        {
          hostKeyFile: Type.Optional(
            Type.String({
              minLength: 1,
              description:
                "The SSH proxy's own host key, created on first start. Default <dataDir>/ssh_host_ed25519_key",
            }),
          ),
          userCaKeyFile: Type.Optional(
            Type.String({
              minLength: 1,
              description:
                "The gateway's SSH user CA key (Ed25519, OpenSSH format), created on first start; signs the certificates of credential: certificate targets. Its public key goes in the hosts' TrustedUserCAKeys. Default <dataDir>/ssh_user_ca_ed25519_key",
            }),
          ),
          recordInput: Type.Optional(
            Type.Boolean({
              description:
                'Also record what clients type in terminal sessions (includes typed passwords). Default false',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    targets: Type.Optional(
      Type.Array(Type.Union([PostgresTarget, SshTarget]), {
        description: 'Proxied targets (PostgreSQL, SSH)',
      }),
    ),
    siem: Type.Optional(SiemConfigSchema),
  },
  { additionalProperties: false },
);

export type GatewayConfigFile = Static<typeof GatewayConfigSchema>;
export type StoreConfig = NonNullable<GatewayConfigFile['store']>;
/** A PostgreSQL target (`protocol: postgres`). */
export type TargetConfig = Static<typeof PostgresTarget>;
/** An SSH target (`protocol: ssh`). */
export type SshTargetConfig = Static<typeof SshTarget>;

/** A listener's limits with their defaults filled in. */
export interface ListenerLimits {
  startupTimeoutMs: number;
  unauthenticatedConnections: { total: number; perAddress: number };
}

/** A PostgreSQL target as the gateway runs it: limits and idle timeout resolved. */
export type CompletedTargetConfig = TargetConfig & ListenerLimits & { idleTimeoutSeconds: number };
/** An SSH target as the gateway runs it: limits resolved. */
export type CompletedSshTargetConfig = SshTargetConfig & ListenerLimits;

/** The configuration with every default filled in. */
export interface GatewayConfig {
  instance: string;
  /**
   * `auditorGroups`: the token groups that may read `GET /api/events`;
   * `adminGroups`: those that may terminate sessions and revoke identities. Empty means nobody.
   */
  api: { host: string; port: number; auditorGroups: string[]; adminGroups: string[] };
  store: StoreConfig;
  audit: {
    mode: 'strict' | 'async';
    asyncBufferEvents: number;
    appendTimeoutMs: number;
    backlogEvents: number;
    overlapReads: boolean;
  };
  log: { level: string };
  policy: {
    bundle: string | undefined;
    data: string | undefined;
    shadow: { bundle: string | undefined; data: string | undefined } | undefined;
  };
  approvals: {
    publicUrl: string;
    sessionWindowSeconds: number;
    webhook: { url: string; secret: string; timeoutMs: number } | undefined;
  };
  issuers: IssuerConfig[];
  /** The web console's sign-in and roles; undefined when no `console` section is configured. */
  console: ConsoleConfig | undefined;
  /** The MCP endpoint at /mcp (docs/mcp.md); `enabled` false when off or when no issuer is configured. */
  mcp: {
    enabled: boolean;
    resource: string | undefined;
    maxSessionsPerIdentity: number;
    idleTimeoutSeconds: number;
    maxRows: number;
    maxResultBytes: number;
    maxOutputBytes: number;
    maxApprovalWaitSeconds: number;
    execTimeoutSeconds: number;
  };
  /** The SSH proxy's host key (absolute) and whether typed input is recorded. */
  ssh: { hostKeyFile: string; userCaKeyFile: string; recordInput: boolean };
  /** PostgreSQL targets. */
  targets: CompletedTargetConfig[];
  /** SSH targets (the `protocol: ssh` entries of `targets` in the file). */
  sshTargets: CompletedSshTargetConfig[];
  /** Forwarders to SIEMs and the signed anchors (siem-config.ts). */
  siem: SiemConfig;
  /** Where the configuration came from, for messages. */
  source: string;
}

/** One console sign-in issuer with its defaults filled in (secret file path absolute, redirect URI set). */
export interface ConsoleIssuerConfig {
  issuer: string;
  name: string;
  clientId: string;
  clientSecret: string | undefined;
  clientSecretFile: string | undefined;
  scope: string;
  resource: string | undefined;
  redirectUri: string;
}

export interface ConsoleConfig {
  issuers: ConsoleIssuerConfig[];
  adminGroups: string[];
  auditorGroups: string[];
  sessionTtlSeconds: number;
}
