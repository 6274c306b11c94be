import type { AccessLifecycle, ApprovalGate, AuditOptions, ShadowPolicy } from '@portcullis/session';
import type { EventStore } from '@portcullis/eventstore';
import type { TokenVerifier } from '@portcullis/identity';
import type { PolicyEngine } from '@portcullis/policy';
import type { UnauthenticatedLimits } from '@portcullis/session';
import type { UpstreamCredentialOptions } from '../credentials/credential-options.js';

/** The database clients connect to: its name is the `database` they must ask for. */
export interface ProxyTarget {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The real server and the proxy's own credentials on it (clients never see these). */
export interface UpstreamTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  readonly database: string;
  /** Deadline for connecting and authenticating upstream (default 10 s). */
  readonly timeoutMs?: number;
  /** TLS to the server (default: none). */
  readonly tls?: UpstreamTlsConfig;
}

/**
 * How the proxy protects its own connection to the server, in libpq's terms:
 * `require` encrypts but trusts any certificate (it stops passive eavesdroppers
 * only), `verify-full` checks the certificate against `ca` and the host name.
 */
export interface UpstreamTlsConfig {
  readonly mode: 'disable' | 'require' | 'verify-full';
  /** PEM CA certificate(s) for verify-full (default: Node's bundled roots). */
  readonly ca?: string | Buffer;
}

/** The subset of pino the proxy uses: structured fields first, then a message. */
export interface ProxyLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface PgProxyOptions {
  /** Loopback unless `tls` is set: clients send their token as the password. */
  readonly listen: { readonly host: string; readonly port: number };
  /** TLS towards clients (SSLRequest answered S); required by default off loopback. */
  readonly tls?: ClientTlsOptions;
  readonly target: ProxyTarget;
  readonly upstream: UpstreamTarget;
  /**
   * What each session logs in to the upstream as (default `off`: the
   * upstream's configured user, shared by every session). With
   * `ephemeral-role` or `set-role`, `upstream.user` is the administrative
   * user and policy names the role each session acts as.
   */
  readonly credential?: UpstreamCredentialOptions;
  readonly tokens: TokenVerifier;
  readonly policy: PolicyEngine;
  /** A candidate evaluated beside `policy` on every statement; only differences are recorded (never the verdict). */
  readonly shadowPolicy?: ShadowPolicy;
  readonly store: EventStore;
  /** Recorded in every event's metadata. */
  readonly gatewayInstance: string;
  readonly logger?: ProxyLogger;
  /**
   * The per-deployment secret for the `hash` masking method (at least 16
   * bytes). Without it, columns the policy masks with `hash` are redacted
   * instead: a value is never passed through for want of a key.
   */
  readonly maskingKey?: Buffer;
  /** A client must be authenticated and ready within this time (default 15 s). */
  readonly startupTimeoutMs?: number;
  /**
   * Connections not yet authenticated, at once: past either cap a new one
   * is refused at once with FATAL 53300 (default 256 in all, 32 per source
   * address; libs/session DEFAULT_UNAUTHENTICATED_LIMITS).
   */
  readonly unauthenticatedConnections?: Partial<UnauthenticatedLimits>;
  /**
   * A session whose client sent nothing for this long while the server owed
   * it nothing is closed (FATAL 57P05, SessionClosed `idle_timeout`).
   * Default 900 s (an agent that walked away must not hold a backend, and
   * maybe locks, for ever); 0: no limit, as PostgreSQL.
   */
  readonly idleTimeoutSeconds?: number;
  /**
   * A statement still running after this long is cancelled on the upstream
   * (the client gets PostgreSQL's 57014). Enforced by the proxy, so the
   * client cannot lift it with SET. Default: no limit.
   */
  readonly statementTimeoutMs?: number;
  /**
   * Record the first N result rows of each statement, as the client received
   * them (masked), in CommandCompleted for replay. Default 0; at most 1000.
   */
  readonly recordResultRows?: number;
  /**
   * Where statements and sessions that policy wants reviewed wait for a
   * human (libs/session StoreApprovalGate). Without it, review means deny.
   */
  readonly approvals?: ApprovalGate;
  /** How long a granted session approval lets its requester in (default 3600 s). */
  readonly sessionWindowSeconds?: number;
  /**
   * Operators taking access away (libs/session StoreAccessLifecycle): revoked
   * identities are refused at admission (28000), and every opened session is
   * held there so a termination or revocation from any instance ends it
   * (FATAL 57P01). Without it, nothing can end a live session but its client.
   */
  readonly lifecycle?: AccessLifecycle;
  /**
   * Write-ahead `strict` (default) or bounded `async` audit, the append
   * timeout and the outage backlog (libs/session SessionRecorder); one object
   * for every target of a gateway.
   */
  readonly audit?: AuditOptions;
}

export const silentLogger: ProxyLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** TLS towards clients: the certificate the proxy presents on SSLRequest. */
export interface ClientTlsOptions {
  /** PEM certificate (chain) of the listener. */
  readonly cert: string | Buffer;
  /** PEM private key of the certificate. */
  readonly key: string | Buffer;
  /**
   * Refuse a client that starts up in plaintext (it would send its token in
   * the clear). Default: required unless the listener is on loopback.
   */
  readonly required?: boolean;
}
