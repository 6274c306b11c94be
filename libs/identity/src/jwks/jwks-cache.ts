import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import type { KeySourceConfig } from '../config/resolved-issuer.js';
import { JwksUnavailableError } from '../errors.js';
import { discoverJwksUrl } from './discovery.js';
import type { FetchJson } from './fetch-json.js';

/** What a refetch came to: new keys, skipped by the rate limit, or failed (endpoint down, bad document). */
export type RefetchOutcome = 'refreshed' | 'rate_limited' | 'failed';

/**
 * One issuer's signing keys, cached.
 *
 * Why not `jose.createRemoteJWKSet`: it drops to "no keys" on its own terms
 * once its cache max-age passes and a fetch fails, and it cannot tell us
 * how old its keys are. We need three rules of our own, so we keep the
 * fetching here and let `createLocalJWKSet` do only key selection/import:
 *  - fresh keys (younger than `refreshAfterMs`) are used as they are;
 *  - older keys are still used while a refetch runs in the background, and
 *    while the endpoint is down, up to `maxStaleMs` after the last good
 *    fetch; past that we fail closed;
 *  - any fetch (refresh, unknown `kid`, first use) happens at most once per
 *    `minRefetchIntervalMs`, so a flood of tokens with made-up `kid`s
 *    cannot turn us into a flood against the issuer.
 * All timings use the injected clock.
 */
export class JwksCache {
  private keySet: JWTVerifyGetKey | undefined;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private jwksUrl: string | undefined;
  private inflight: Promise<RefetchOutcome> | undefined;
  private lastFailure = 'no fetch attempted yet';

  constructor(
    private readonly issuer: string,
    private readonly config: KeySourceConfig,
    private readonly fetchJson: FetchJson,
    private readonly now: () => number,
  ) {
    this.jwksUrl = config.jwksUrl;
  }

  /** The keys to verify with right now; throws JwksUnavailableError rather than use keys past their maximum age. */
  async current(): Promise<JWTVerifyGetKey> {
    const age = this.now() - this.fetchedAt;
    const fresh = age < this.config.refreshAfterMs && age < this.config.maxStaleMs;
    if (this.keySet !== undefined && fresh) return this.keySet;
    if (this.keySet !== undefined && age < this.config.maxStaleMs) {
      void this.refetch();
      return this.keySet;
    }
    await this.refetch();
    if (this.keySet !== undefined && this.now() - this.fetchedAt < this.config.maxStaleMs) return this.keySet;
    throw new JwksUnavailableError(`no usable signing keys: ${this.lastFailure}`);
  }

  /** A token named a `kid` we do not hold: maybe the issuer rotated. */
  refetchForUnknownKey(): Promise<RefetchOutcome> {
    return this.refetch();
  }

  /** Why the last fetch failed, for rejection details. */
  get failure(): string {
    return this.lastFailure;
  }

  private refetch(): Promise<RefetchOutcome> {
    if (this.inflight !== undefined) return this.inflight;
    if (this.now() - this.attemptedAt < this.config.minRefetchIntervalMs)
      return Promise.resolve('rate_limited');
    this.attemptedAt = this.now();
    this.inflight = this.load().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Never rejects: a failed fetch leaves the cached keys in place. */
  private async load(): Promise<RefetchOutcome> {
    try {
      this.jwksUrl ??= await discoverJwksUrl(this.config.discoveryUrl, this.issuer, this.fetchJson);
      const document = await this.fetchJson(this.jwksUrl);
      const keys = (document as { keys?: unknown } | null)?.keys;
      // An empty set from a half-broken endpoint must not wipe keys that still work.
      if (!Array.isArray(keys) || keys.length === 0) throw new Error('the JWKS holds no keys');
      this.keySet = createLocalJWKSet(document as Parameters<typeof createLocalJWKSet>[0]);
      this.fetchedAt = this.now();
      return 'refreshed';
    } catch (error) {
      this.lastFailure = describe(error);
      return 'failed';
    }
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return 'fetch failed';
  const cause = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof cause === 'string' ? `${error.message} (${cause})` : error.message;
}
