import type { AccessLifecycle, ApprovalGate, AuditOptions, ShadowPolicy } from '@portcullis/session';
import type { EventStore } from '@portcullis/eventstore';
import type { TokenVerifier } from '@portcullis/identity';
import type { PolicyEngine } from '@portcullis/policy';
import type { UnauthenticatedLimits } from '@portcullis/session';
import type { RecordingLimits } from '../terminal/terminal-recording.js';

/** The real host behind a target, and the proxy's own key on it (clients never see it). */
export interface SshUpstream {
  readonly host: string;
  readonly port: number;
  /** Whom the proxy logs in as; with `credential: certificate`, unless policy names a principal. */
  readonly user: string;
  /**
   * `key` (default): every session logs in with `privateKey`, one key shared
   * by all sessions. `certificate`: each session logs in with a key pair of
   * its own, certified for minutes by the gateway's user CA
   * (SshProxyOptions.userCaKeyFile) for the principal policy grants
   * (`ssh_principal`, else `user`); the host trusts the CA
   * (TrustedUserCAKeys) and holds no key of the proxy's.
   */
  readonly credential?: 'key' | 'certificate';
  /** The proxy's private key for this upstream (OpenSSH or PEM, as ssh2 reads it); `credential: key` only. */
  readonly privateKey?: string | Buffer;
  /** How long a session certificate is valid (default 300 s: it is needed only to log in). */
  readonly certificateSeconds?: number;
  /**
   * The upstream's host public key (`ssh-ed25519 AAAA…`, as in known_hosts).
   * Required: there is no trust on first use, a different key refuses the connection.
   */
  readonly hostKey: string;
  /** Deadline for connecting and authenticating upstream (default 10 s). */
  readonly timeoutMs?: number;
}

/** A host clients reach by using its name as their SSH user name. */
export interface SshTarget {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly upstream: SshUpstream;
}

/** The subset of pino the proxy uses: structured fields first, then a message. */
export interface ProxyLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface SshProxyOptions {
  /** Loopback only this round (like the PostgreSQL proxy until the gateway fronts it). */
  readonly listen: { readonly host: string; readonly port: number };
  /** The proxy's own host key, created (ed25519) on first start. */
  readonly hostKeyFile: string;
  /** The gateway's SSH user CA key, created (ed25519) on first start; needed by `credential: certificate` targets. */
  readonly userCaKeyFile?: string;
  readonly targets: readonly SshTarget[];
  readonly tokens: TokenVerifier;
  readonly policy: PolicyEngine;
  /** A candidate evaluated beside `policy` on every command; only differences are recorded (never the verdict). */
  readonly shadowPolicy?: ShadowPolicy;
  readonly store: EventStore;
  /** The append timeout and outage backlog shared by the gateway's sessions (libs/session SessionRecorder). */
  readonly audit?: AuditOptions;
  /** Recorded in every event's metadata. */
  readonly gatewayInstance: string;
  readonly logger?: ProxyLogger;
  /** A client must be authenticated within this time (default 15 s). */
  readonly startupTimeoutMs?: number;
  /**
   * Connections not yet authenticated, at once: past either cap a new one is
   * disconnected at once, "too many connections" (default 256 in all, 32 per
   * source address; libs/session DEFAULT_UNAUTHENTICATED_LIMITS).
   */
  readonly unauthenticatedConnections?: Partial<UnauthenticatedLimits>;
  /**
   * Also record what clients type in terminal sessions ("i" frames). Off by
   * default: input includes passwords typed at prompts (sudo, su).
   */
  readonly recordInput?: boolean;
  /**
   * Where exec commands that policy wants reviewed wait for a human
   * (libs/session StoreApprovalGate). Without it, review means deny.
   */
  readonly approvals?: ApprovalGate;
  /**
   * Operators taking access away (libs/session StoreAccessLifecycle): revoked
   * identities fail authentication, and every opened session is held there so
   * a termination or revocation from any instance ends it (a message on each
   * open channel's stderr, then the connection closes).
   */
  readonly lifecycle?: AccessLifecycle;
  /** Batching of terminal recordings (default: 32 KiB or 100 ms per batch, 1 MiB not yet durable). */
  readonly recording?: Partial<RecordingLimits>;
}

export const silentLogger: ProxyLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
