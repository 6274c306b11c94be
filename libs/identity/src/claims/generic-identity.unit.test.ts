import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveIdentityConfig } from '../config/resolve-identity-config.js';
import { TokenRejectedError } from '../errors.js';
import { genericIdentity } from './generic-identity.js';

const [defaults] = resolveIdentityConfig([{ issuer: 'https://idp.example', audiences: ['api'] }]);
const [keycloak] = resolveIdentityConfig([
  {
    issuer: 'https://kc.example/realms/ops',
    audiences: ['api'],
    claims: { subject: 'azp', appId: 'azp', roles: 'realm_access.roles', groups: '/https:~1~1ops~1groups' },
  },
]);

describe('genericIdentity', () => {
  it('reads RFC 9068 client-credentials tokens with the default paths', () => {
    const identity = genericIdentity(
      { sub: 'ci-deployer', client_id: 'ci-deployer', groups: ['deployers'], roles: 'db.read' },
      defaults!,
      'https://idp.example',
    );
    assert.deepEqual(identity, {
      subject: 'ci-deployer',
      issuer: 'https://idp.example',
      app_id: 'ci-deployer',
      kind: 'service_principal',
      groups: ['deployers'],
      roles: ['db.read'],
    });
  });

  it('follows configured claim paths', () => {
    const identity = genericIdentity(
      { sub: 'f:1', azp: 'etl', realm_access: { roles: ['reader'] }, 'https://ops/groups': ['etl'] },
      keycloak!,
      'iss',
    );
    assert.equal(identity.subject, 'etl');
    assert.deepEqual(identity.roles, ['reader']);
    assert.deepEqual(identity.groups, ['etl']);
  });

  it('cannot classify a subject that is not its own client', () => {
    assert.equal(genericIdentity({ sub: 'alice', client_id: 'portal' }, defaults!, 'iss').kind, 'unknown');
  });

  it('refuses a missing client id and groups that are not strings', () => {
    const reason = (claims: Record<string, unknown>) => {
      try {
        genericIdentity(claims, defaults!, 'iss');
        return 'accepted';
      } catch (error) {
        return error instanceof TokenRejectedError ? error.reason : 'thrown';
      }
    };
    assert.equal(reason({ sub: 'a' }), 'missing_claim');
    assert.equal(reason({ sub: 'a', client_id: 'a', groups: [1, 2] }), 'invalid_claim');
    assert.equal(reason({ sub: 'a', client_id: 'a', groups: { admin: true } }), 'invalid_claim');
  });
});
