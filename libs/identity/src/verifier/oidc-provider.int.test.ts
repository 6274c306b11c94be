import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startOidcProvider, type OidcProvider, type OidcProviderOptions } from '@portcullis/test-support';
import type { IssuerConfig } from '../config/identity-config-schema.js';
import { createTokenVerifier } from './token-verifier.js';

const SERVICE_PRINCIPALS: OidcProviderOptions['clients'] = [
  { clientId: 'ci-deployer', groups: ['deployers'], roles: ['db.read', 'db.migrate'] },
  { clientId: 'etl-agent', groups: ['etl', 'readers'], roles: ['db.read'] },
];

/** A clock the test moves by hand, so cache ages take no wall time. */
function manualClock() {
  let at = Date.now();
  return { now: () => at, advance: (seconds: number) => (at += seconds * 1000) };
}

async function withProvider(
  test: (provider: OidcProvider) => Promise<void>,
  options: Partial<OidcProviderOptions> = {},
): Promise<void> {
  const provider = await startOidcProvider({ clients: SERVICE_PRINCIPALS, ...options });
  try {
    await test(provider);
  } finally {
    await provider.stop();
  }
}

function issuerOf(provider: OidcProvider, extra: Partial<IssuerConfig> = {}): IssuerConfig {
  return { issuer: provider.issuer, audiences: [provider.audience], ...extra };
}

/** The same token with another `kid` in its header: what a rotated-away or made-up key looks like. */
function withKid(token: string, kid: string): string {
  const [header, ...rest] = token.split('.');
  const decoded = JSON.parse(Buffer.from(header!, 'base64url').toString());
  return [Buffer.from(JSON.stringify({ ...decoded, kid })).toString('base64url'), ...rest].join('.');
}

describe('verifying access tokens from a real OIDC provider (oidc-provider)', () => {
  it('maps client-credentials JWTs to their service principals, finding keys through discovery', () =>
    withProvider(async (provider) => {
      const verifier = createTokenVerifier([issuerOf(provider)]);
      for (const [clientId, groups, roles] of [
        ['ci-deployer', ['deployers'], ['db.read', 'db.migrate']],
        ['etl-agent', ['etl', 'readers'], ['db.read']],
      ] as const) {
        const result = await verifier.verify(await provider.issueToken(clientId));
        assert.ok(result.ok, result.ok ? '' : `${result.reason}: ${result.detail}`);
        assert.deepEqual(result.identity, {
          subject: clientId,
          issuer: provider.issuer,
          app_id: clientId,
          kind: 'service_principal',
          groups,
          roles,
        });
        assert.equal(result.claims.aud, provider.audience);
      }
      assert.equal(provider.jwksRequests, 1, 'the second token is verified from the cached JWKS');
    }));

  it('verifies ES256 tokens just the same', () =>
    withProvider(
      async (provider) => {
        const verifier = createTokenVerifier([issuerOf(provider)]);
        const token = await provider.issueToken('etl-agent');
        assert.equal(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).alg, 'ES256');
        const result = await verifier.verify(token);
        assert.ok(result.ok && result.identity.subject === 'etl-agent');
      },
      { signingAlgorithm: 'ES256' },
    ));

  it('refuses the provider’s valid tokens when the audience is not ours', () =>
    withProvider(async (provider) => {
      const verifier = createTokenVerifier([issuerOf(provider, { audiences: ['api://someone-else'] })]);
      const result = await verifier.verify(await provider.issueToken('ci-deployer'));
      assert.deepEqual(result.ok ? 'accepted' : result.reason, 'wrong_audience');
    }));

  it('loads the JWKS once for a burst of first requests', () =>
    withProvider(async (provider) => {
      const verifier = createTokenVerifier([issuerOf(provider, { jwksUrl: provider.jwksUrl })]);
      const token = await provider.issueToken('etl-agent');
      const results = await Promise.all(Array.from({ length: 10 }, () => verifier.verify(token)));
      assert.ok(results.every((result) => result.ok));
      assert.equal(provider.jwksRequests, 1);
    }));

  it('follows a signing-key rotation without restart; tokens of the removed key stop verifying', () =>
    withProvider(async (provider) => {
      const clock = manualClock();
      const verifier = createTokenVerifier([issuerOf(provider)], { now: clock.now });
      const before = await provider.issueToken('ci-deployer');
      assert.ok((await verifier.verify(before)).ok);

      const oldKid = provider.signingKid;
      const newKid = await provider.rotateSigningKey();
      assert.notEqual(newKid, oldKid);
      clock.advance(31); // rotations happen long after the last fetch, past the refetch limit
      const after = await provider.issueToken('ci-deployer');
      assert.equal(JSON.parse(Buffer.from(after.split('.')[0]!, 'base64url').toString()).kid, newKid);
      const rotated = await verifier.verify(after);
      assert.ok(rotated.ok, rotated.ok ? '' : `${rotated.reason}: ${rotated.detail}`);
      assert.equal(rotated.identity.subject, 'ci-deployer');
      assert.equal(provider.jwksRequests, 2, 'the unknown kid caused exactly one refetch');

      const stale = await verifier.verify(before);
      assert.deepEqual(stale.ok ? 'accepted' : stale.reason, 'unknown_key');
    }));

  it('accepts both keys while the provider publishes old and new side by side', () =>
    withProvider(async (provider) => {
      const clock = manualClock();
      const verifier = createTokenVerifier([issuerOf(provider)], { now: clock.now });
      const before = await provider.issueToken('etl-agent');
      assert.ok((await verifier.verify(before)).ok);
      await provider.rotateSigningKey({ keepPrevious: true });
      clock.advance(31);
      assert.ok((await verifier.verify(await provider.issueToken('etl-agent'))).ok);
      assert.ok((await verifier.verify(before)).ok);
    }));

  it('keeps verifying with cached keys while the JWKS endpoint is down, then fails closed at the maximum age', () =>
    withProvider(
      async (provider) => {
        const clock = manualClock();
        const verifier = createTokenVerifier(
          [
            issuerOf(provider, {
              jwksUrl: provider.jwksUrl,
              jwksRefreshSeconds: 60,
              jwksMaxStaleSeconds: 600,
              jwksRefetchMinIntervalSeconds: 10,
            }),
          ],
          { now: clock.now },
        );
        const token = await provider.issueToken('ci-deployer');
        assert.ok((await verifier.verify(token)).ok);

        await provider.goOffline();
        clock.advance(120); // past refresh: a background refetch fails, cached keys still serve
        assert.ok((await verifier.verify(token)).ok);
        clock.advance(400); // 520 s since the last good fetch
        assert.ok((await verifier.verify(token)).ok);
        clock.advance(100); // 620 s: past the maximum age
        const refused = await verifier.verify(token);
        assert.deepEqual(refused.ok ? 'accepted' : refused.reason, 'jwks_unavailable');
        assert.ok(!refused.ok && !refused.detail.includes(token));

        await provider.goOnline();
        clock.advance(11);
        assert.ok((await verifier.verify(token)).ok, 'recovers as soon as the endpoint answers again');
      },
      { accessTokenTtlSeconds: 86_400 },
    ));

  it('refetches for made-up key ids at most once per interval', () =>
    withProvider(async (provider) => {
      const clock = manualClock();
      const verifier = createTokenVerifier([issuerOf(provider, { jwksRefetchMinIntervalSeconds: 30 })], {
        now: clock.now,
      });
      const token = await provider.issueToken('ci-deployer');
      assert.ok((await verifier.verify(token)).ok);
      const forged = Array.from({ length: 25 }, (_, i) => withKid(token, `made-up-${i}`));
      for (const result of await Promise.all(forged.map((t) => verifier.verify(t)))) {
        assert.deepEqual(result.ok ? 'accepted' : result.reason, 'unknown_key');
      }
      assert.equal(provider.jwksRequests, 1, 'inside the interval no refetch at all');
      clock.advance(31);
      for (const t of forged) assert.equal((await verifier.verify(t)).ok, false);
      assert.equal(provider.jwksRequests, 2, 'one refetch for the whole flood');
    }));
});
