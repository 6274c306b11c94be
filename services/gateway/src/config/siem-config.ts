import Type, { type Static } from 'typebox';
import { HostPort } from './host-port.js';

/**
 * `siem:` in portcullis.yaml: the forwarders that carry the event stream to
 * SIEMs, and the signed anchors of the audit chain.
 */
const forwarderCommon = {
  name: Type.String({
    pattern: '^[A-Za-z0-9_.-]{1,64}$',
    description: 'Names its checkpoint (portcullis:forwarder:NAME), metrics and health entry',
  }),
  format: Type.Optional(
    Type.Union([Type.Literal('json'), Type.Literal('ocsf')], {
      description: 'The event feed format (as events tail and GET /api/events). Default ocsf',
    }),
  ),
  batchSize: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 5000, description: 'Events sent at once, at most. Default 500' }),
  ),
  from: Type.Optional(
    Type.Union([Type.Literal('start'), Type.Literal('end')], {
      description: 'Where a forwarder without a checkpoint starts: all history, or new events. Default start',
    }),
  ),
  retry: Type.Optional(
    Type.Object(
      {
        initialDelayMs: Type.Optional(Type.Integer({ minimum: 10, description: 'Default 500' })),
        maxDelayMs: Type.Optional(Type.Integer({ minimum: 10, description: 'Default 30000' })),
      },
      { additionalProperties: false, description: 'Exponential backoff between failed deliveries' },
    ),
  ),
  degradedAfterSeconds: Type.Optional(
    Type.Integer({
      minimum: 1,
      description:
        '/health reports degraded when the oldest undelivered event is older than this, or deliveries have failed this long. Default 60',
    }),
  ),
};

const TlsClient = Type.Object(
  {
    caFile: Type.Optional(
      Type.String({ minLength: 1, description: 'PEM CA bundle the peer is verified with' }),
    ),
    certFile: Type.Optional(
      Type.String({ minLength: 1, description: 'Client certificate (PEM), with keyFile' }),
    ),
    keyFile: Type.Optional(Type.String({ minLength: 1, description: 'Client key (PEM), with certFile' })),
    serverName: Type.Optional(Type.String({ minLength: 1, description: 'Default: the host of address' })),
  },
  { additionalProperties: false },
);

export const SyslogForwarderSchema = Type.Object(
  {
    ...forwarderCommon,
    type: Type.Literal('syslog'),
    address: HostPort,
    tls: Type.Optional(TlsClient),
    appName: Type.Optional(
      Type.String({ pattern: '^[!-~]{1,48}$', description: 'APP-NAME. Default portcullis' }),
    ),
    facility: Type.Optional(Type.Integer({ minimum: 0, maximum: 23, description: 'Default 13 (log audit)' })),
    confirmAfterMs: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 60_000,
        description:
          'Syslog over TCP has no acknowledgement: a batch counts as accepted once the connection stayed up this long after it was written. Default 500',
      }),
    ),
  },
  { additionalProperties: false },
);

export const HttpForwarderSchema = Type.Object(
  {
    ...forwarderCommon,
    type: Type.Literal('http'),
    url: Type.String({ pattern: '^https?://[^\\s]+$' }),
    style: Type.Optional(
      Type.Union([Type.Literal('hec'), Type.Literal('json')], {
        description:
          'hec: Splunk HTTP Event Collector envelopes, Authorization: Splunk <token>; json: a JSON array of events, Authorization: Bearer <token> when a token is set. Default json',
      }),
    ),
    tokenEnv: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
        description: 'Environment variable holding the token',
      }),
    ),
    tokenFile: Type.Optional(Type.String({ minLength: 1, description: 'File holding the token' })),
    index: Type.Optional(Type.String({ minLength: 1, description: 'hec: the Splunk index' })),
    sourcetype: Type.Optional(Type.String({ minLength: 1, description: 'hec: default portcullis:<format>' })),
    caFile: Type.Optional(Type.String({ minLength: 1 })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 120_000, description: 'Default 10000' })),
  },
  { additionalProperties: false },
);

export const SiemConfigSchema = Type.Object(
  {
    forwarders: Type.Optional(
      Type.Array(Type.Union([SyslogForwarderSchema, HttpForwarderSchema]), {
        description: 'Where the event stream is sent (at least once, from a named checkpoint)',
      }),
    ),
    anchors: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean({ description: 'Default true' })),
          keyFile: Type.Optional(
            Type.String({
              minLength: 1,
              description:
                'Ed25519 private key (PKCS#8 PEM), created on first start with <keyFile>.pub beside it. Default <dataDir>/audit-anchor-ed25519.pem',
            }),
          ),
          everyEvents: Type.Optional(Type.Integer({ minimum: 1, description: 'Default 1000' })),
          everySeconds: Type.Optional(Type.Integer({ minimum: 1, description: 'Default 60' })),
        },
        {
          additionalProperties: false,
          description: 'Signed anchors of every stream head (audit verify --anchors)',
        },
      ),
    ),
  },
  { additionalProperties: false },
);

export type SiemConfigFile = Static<typeof SiemConfigSchema>;
type SyslogFile = Static<typeof SyslogForwarderSchema>;
type HttpFile = Static<typeof HttpForwarderSchema>;

interface CommonForwarder {
  name: string;
  format: 'json' | 'ocsf';
  batchSize: number;
  from: 'start' | 'end';
  retry: { initialDelayMs: number; maxDelayMs: number };
  degradedAfterSeconds: number;
}
export interface SyslogForwarderConfig extends CommonForwarder {
  type: 'syslog';
  host: string;
  port: number;
  tls: { caFile?: string; certFile?: string; keyFile?: string; serverName?: string } | undefined;
  appName: string;
  facility: number;
  confirmAfterMs: number;
}
export interface HttpForwarderConfig extends CommonForwarder {
  type: 'http';
  url: string;
  style: 'hec' | 'json';
  /** Where the token comes from; read at start, never logged. */
  token: { env: string } | { file: string } | undefined;
  index: string | undefined;
  sourcetype: string;
  caFile: string | undefined;
  timeoutMs: number;
}
export type ForwarderConfig = SyslogForwarderConfig | HttpForwarderConfig;

export interface SiemConfig {
  forwarders: ForwarderConfig[];
  anchors: { enabled: boolean; keyFile: string; everyEvents: number; everySeconds: number };
}

export type { SyslogFile, HttpFile };
