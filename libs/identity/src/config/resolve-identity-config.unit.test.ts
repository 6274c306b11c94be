import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IdentityConfigError } from '../errors.js';
import { resolveIdentityConfig, validateIdentityConfig } from './resolve-identity-config.js';

function problems(config: unknown): string[] {
  try {
    resolveIdentityConfig(config);
  } catch (error) {
    assert.ok(error instanceof IdentityConfigError);
    return error.problems.map((p) => `${p.path} ${p.message}`);
  }
  return [];
}

describe('resolveIdentityConfig', () => {
  it('applies the documented defaults', () => {
    const [issuer] = resolveIdentityConfig([{ issuer: 'https://idp.example/', audiences: ['api'] }]);
    assert.equal(issuer!.flavor, 'generic');
    assert.equal(issuer!.clockSkewSeconds, 60);
    assert.equal(issuer!.maxTokenBytes, 16384);
    assert.deepEqual(issuer!.requiredClaims, ['exp', 'iat']);
    assert.ok(!issuer!.algorithms.some((alg) => alg.startsWith('HS') || alg === 'none'));
    assert.equal(issuer!.keys.discoveryUrl, 'https://idp.example/.well-known/openid-configuration');
    assert.equal(issuer!.allowedTenants, undefined);
  });

  it('knows Entra issuers and pins them to their own tenant', () => {
    const [issuer] = resolveIdentityConfig([
      { issuer: 'https://login.microsoftonline.com/t-1/v2.0', audiences: ['api://gw'] },
    ]);
    assert.equal(issuer!.flavor, 'entra');
    assert.deepEqual(issuer!.allowedTenants, ['t-1']);
  });

  it('refuses HMAC and none, which would turn a public key into a signing secret', () => {
    for (const alg of ['HS256', 'none']) {
      assert.ok(problems([{ issuer: 'https://idp', audiences: ['a'], algorithms: [alg] }]).length > 0, alg);
    }
  });

  it('refuses key material over plain http except on loopback', () => {
    assert.match(problems([{ issuer: 'http://idp.example', audiences: ['a'] }]).join(), /https/);
    assert.match(
      problems([{ issuer: 'https://idp', audiences: ['a'], jwksUrl: 'http://idp.example/jwks' }]).join(),
      /\/0\/jwksUrl/,
    );
    assert.deepEqual(problems([{ issuer: 'http://127.0.0.1:8080', audiences: ['a'] }]), []);
  });

  it('requires allowedTenants with a {tenantid} template and refuses unknown keys and duplicates', () => {
    assert.match(
      problems([{ issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0', audiences: ['a'] }]).join(),
      /allowedTenants/,
    );
    assert.ok(problems([{ issuer: 'https://idp', audiences: ['a'], audience: 'typo' }]).length > 0);
    assert.match(
      problems([
        { issuer: 'https://idp', audiences: ['a'] },
        { issuer: 'https://idp', audiences: ['b'] },
      ]).join(),
      /twice/,
    );
    assert.ok(problems([]).length > 0);
  });

  it('validateIdentityConfig hands back the config it accepted', () => {
    const config = [{ issuer: 'https://idp', audiences: ['a'] }];
    assert.equal(validateIdentityConfig(config), config);
  });
});
