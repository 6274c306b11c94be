import type { EventStore } from '@portcullis/eventstore';
import type { TokenVerifier } from '@portcullis/identity';
import type { PolicyEngine } from '@portcullis/policy';

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
}

/** The subset of pino the proxy uses: structured fields first, then a message. */
export interface ProxyLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface PgProxyOptions {
  /** Loopback only this round: clients speak plaintext (TLS to clients is not built yet). */
  readonly listen: { readonly host: string; readonly port: number };
  readonly target: ProxyTarget;
  readonly upstream: UpstreamTarget;
  readonly tokens: TokenVerifier;
  readonly policy: PolicyEngine;
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
}

export const silentLogger: ProxyLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
