import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Identity, RevocationEvent } from '@portcullis/events';
import { RevocationSet } from './revocation-set.js';

const ISSUER = 'https://issuer.test';
const agent: Identity = {
  subject: 'sp-1',
  issuer: ISSUER,
  app_id: 'app-1',
  kind: 'service_principal',
  groups: [],
  roles: [],
};
const admin = { subject: 'admin', issuer: ISSUER };
const at = new Date('2026-12-01T10:00:00Z');
const revoked = (revocationId: string, identity: object, expiresAt?: string): RevocationEvent => ({
  type: 'IdentityRevoked',
  data: {
    revocationId,
    identity: identity as { appId: string },
    reason: 'leaked',
    revokedBy: admin,
    ...(expiresAt ? { expiresAt } : {}),
  },
});

test('issuer + subject revokes that principal only', () => {
  const set = new RevocationSet();
  set.apply(revoked('r1', { issuer: ISSUER, subject: 'sp-1' }), at);
  assert.equal(set.matching(agent, at)?.revocationId, 'r1');
  assert.equal(set.matching({ ...agent, subject: 'sp-2' }, at), undefined);
  assert.equal(set.matching({ ...agent, issuer: 'https://other.test' }, at), undefined);
});

test('an app id revokes every token of that application, whatever the issuer', () => {
  const set = new RevocationSet();
  set.apply(revoked('r1', { appId: 'app-1' }), at);
  assert.ok(set.matching({ ...agent, subject: 'x', issuer: 'https://other.test' }, at));
  assert.equal(set.matching({ ...agent, app_id: 'app-2' }, at), undefined);
  const { app_id: _ignored, ...noApp } = agent;
  assert.equal(set.matching(noApp, at), undefined);
});

test('lifted and expired revocations no longer match, and are not listed', () => {
  const set = new RevocationSet();
  set.apply(revoked('r1', { issuer: ISSUER, subject: 'sp-1' }), at);
  set.apply(revoked('r2', { appId: 'app-1' }, '2026-12-01T11:00:00Z'), at);
  set.apply({ type: 'IdentityRevocationLifted', data: { revocationId: 'r1', liftedBy: admin } }, at);
  assert.equal(set.matching(agent, at)?.revocationId, 'r2');
  const later = new Date('2026-12-01T11:00:00Z');
  assert.equal(set.matching(agent, later), undefined);
  assert.deepEqual(
    set.list(at).map((r) => r.revocationId),
    ['r2'],
  );
  assert.deepEqual(set.list(later), []);
});
