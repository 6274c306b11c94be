import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IssuerConfig } from '../config/identity-config-schema.js';
import type { VerificationResult } from '../rejection.js';
import {
  ADA_USER_OID,
  CONTOSO_TENANT,
  DEPLOYER_CLIENT_ID,
  DEPLOYER_SP_OID,
  entraV1Issuer,
  entraV1ServicePrincipal,
  entraV1User,
  entraV2Issuer,
  entraV2ServicePrincipal,
  entraV2ServicePrincipalWithoutIdtyp,
  entraV2User,
  entraV2UserWithGroupsOverage,
  FABRIKAM_TENANT,
  GATEWAY_AUDIENCE,
} from '../testing/entra-fixtures.js';
import { startLocalIssuer, type LocalIssuer } from '../testing/local-issuer.js';
import { createTokenVerifier, type TokenVerifier } from './token-verifier.js';

const outcome = (result: VerificationResult) =>
  result.ok ? { kind: result.identity.kind, app_id: result.identity.app_id } : result.reason;

// Entra signs every tenant's tokens with the same keys; one local key set
// stands for them, served over HTTP as Entra's JWKS would be.
describe('Entra ID tokens (sample claim sets signed by a local key)', () => {
  let keys: LocalIssuer;
  let singleTenant: TokenVerifier;
  let multiTenant: TokenVerifier;
  const nowSeconds = () => Math.floor(Date.now() / 1000);

  before(async () => {
    keys = await startLocalIssuer('RS256');
    const entra = (issuer: string, extra: Partial<IssuerConfig> = {}): IssuerConfig => ({
      issuer,
      audiences: [GATEWAY_AUDIENCE],
      jwksUrl: keys.jwksUrl,
      ...extra,
    });
    singleTenant = createTokenVerifier([
      entra(entraV2Issuer(CONTOSO_TENANT)),
      entra(entraV1Issuer(CONTOSO_TENANT)),
    ]);
    multiTenant = createTokenVerifier([
      entra('https://login.microsoftonline.com/{tenantid}/v2.0', { allowedTenants: [CONTOSO_TENANT] }),
    ]);
  });
  after(() => keys.stop());

  it('maps v2 and v1 client-credentials tokens to the service principal', async () => {
    for (const claims of [
      entraV2ServicePrincipal(nowSeconds()),
      entraV2ServicePrincipalWithoutIdtyp(nowSeconds()),
      entraV1ServicePrincipal(nowSeconds()),
    ]) {
      const result = await singleTenant.verify(await keys.sign(claims));
      assert.ok(result.ok, result.ok ? '' : `${result.reason}: ${result.detail}`);
      assert.equal(result.identity.subject, DEPLOYER_SP_OID);
      assert.equal(result.identity.app_id, DEPLOYER_CLIENT_ID);
      assert.equal(result.identity.kind, 'service_principal');
      assert.equal(result.identity.tenant_id, CONTOSO_TENANT);
      assert.equal(result.identity.issuer, claims.iss);
      assert.ok(result.identity.roles.includes('Portcullis.Db.Read'));
    }
  });

  it('marks delegated user tokens as users', async () => {
    for (const claims of [entraV2User(nowSeconds()), entraV1User(nowSeconds())]) {
      const result = await singleTenant.verify(await keys.sign(claims));
      assert.deepEqual(outcome(result), { kind: 'user', app_id: DEPLOYER_CLIENT_ID });
      assert.ok(result.ok && result.identity.subject === ADA_USER_OID);
    }
  });

  it('refuses a token from another tenant of the same provider, even though its signature is good', async () => {
    const fabrikam = entraV2ServicePrincipal(nowSeconds(), FABRIKAM_TENANT);
    assert.equal(outcome(await singleTenant.verify(await keys.sign(fabrikam))), 'wrong_tenant');
    assert.equal(outcome(await multiTenant.verify(await keys.sign(fabrikam))), 'wrong_tenant');
  });

  it('refuses a token whose tid disagrees with the tenant in its issuer', async () => {
    const mixed = { ...entraV2ServicePrincipal(nowSeconds()), tid: FABRIKAM_TENANT };
    assert.equal(outcome(await singleTenant.verify(await keys.sign(mixed))), 'wrong_tenant');
    assert.equal(outcome(await multiTenant.verify(await keys.sign(mixed))), 'wrong_tenant');
  });

  it('accepts allowed tenants through a {tenantid} issuer template', async () => {
    const result = await multiTenant.verify(await keys.sign(entraV2ServicePrincipal(nowSeconds())));
    assert.deepEqual(outcome(result), { kind: 'service_principal', app_id: DEPLOYER_CLIENT_ID });
  });

  it('refuses a v1 token where only v2 is configured', async () => {
    assert.equal(
      outcome(await multiTenant.verify(await keys.sign(entraV1ServicePrincipal(nowSeconds())))),
      'wrong_issuer',
    );
  });

  it('refuses a token whose group list was replaced by an overage pointer', async () => {
    const result = await singleTenant.verify(await keys.sign(entraV2UserWithGroupsOverage(nowSeconds())));
    assert.equal(outcome(result), 'groups_overage');
  });
});
