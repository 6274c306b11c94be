import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenRejectedError } from '../errors.js';
import {
  ADA_USER_OID,
  CONTOSO_TENANT,
  DEPLOYER_CLIENT_ID,
  DEPLOYER_SP_OID,
  entraV1ServicePrincipal,
  entraV1User,
  entraV2ServicePrincipal,
  entraV2ServicePrincipalWithoutIdtyp,
  entraV2User,
  entraV2UserWithGroupsOverage,
} from '../testing/entra-fixtures.js';
import { entraIdentity, entraKind } from './entra-identity.js';

const now = 1_700_000_000;

describe('entraIdentity', () => {
  it('maps a v2 client-credentials token to its service principal', () => {
    const claims = entraV2ServicePrincipal(now);
    assert.deepEqual(entraIdentity(claims, String(claims.iss)), {
      subject: DEPLOYER_SP_OID,
      issuer: `https://login.microsoftonline.com/${CONTOSO_TENANT}/v2.0`,
      app_id: DEPLOYER_CLIENT_ID,
      kind: 'service_principal',
      groups: ['a1d0c6e8-2c4b-4e0a-9f1d-3b5e7a9c0d12'],
      roles: ['Portcullis.Db.Read', 'Portcullis.Ssh.Deploy'],
      tenant_id: CONTOSO_TENANT,
    });
  });

  it('maps a v1 client-credentials token, taking the client from appid', () => {
    const identity = entraIdentity(entraV1ServicePrincipal(now), 'iss');
    assert.equal(identity.app_id, DEPLOYER_CLIENT_ID);
    assert.equal(identity.kind, 'service_principal');
    assert.deepEqual(identity.roles, ['Portcullis.Db.Read']);
    assert.deepEqual(identity.groups, []);
  });

  it('tells delegated user tokens apart from app-only ones, in v1 and v2', () => {
    for (const claims of [entraV2User(now), entraV1User(now)]) {
      const identity = entraIdentity(claims, 'iss');
      assert.equal(identity.kind, 'user');
      assert.equal(identity.subject, ADA_USER_OID);
    }
  });

  it('recognises an app-only token without idtyp by oid = sub and no scp', () => {
    assert.equal(entraKind(entraV2ServicePrincipalWithoutIdtyp(now)), 'service_principal');
    assert.equal(entraKind({ oid: 'a', sub: 'b' }), 'unknown');
    assert.equal(entraKind({ idtyp: 'user', oid: 'a', sub: 'a' }), 'user');
  });

  it('refuses a token whose groups were left out (overage) rather than report no groups', () => {
    assert.throws(
      () => entraIdentity(entraV2UserWithGroupsOverage(now), 'iss'),
      (error: unknown) => error instanceof TokenRejectedError && error.reason === 'groups_overage',
    );
  });

  it('requires oid, the client id and tid', () => {
    for (const claim of ['oid', 'azp', 'tid']) {
      const claims = { ...entraV2ServicePrincipal(now), [claim]: undefined };
      assert.throws(
        () => entraIdentity(claims, 'iss'),
        (error: unknown) => error instanceof TokenRejectedError && error.reason === 'missing_claim',
        claim,
      );
    }
  });
});
