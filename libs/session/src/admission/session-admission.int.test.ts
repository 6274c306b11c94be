import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyEngine } from '@portcullis/policy';
import { grantingPolicyBundle, tempDir } from '@portcullis/test-support';
import { admitSession } from './session-admission.js';

const ISSUER = 'https://idp.test.portcullis';
const target = {
  name: 'prod-db',
  protocol: 'postgres' as const,
  labels: { env: 'production', kind: 'database' },
};
const identity = (appId: string) => ({
  subject: `sp-${appId}`,
  issuer: ISSUER,
  app_id: appId,
  kind: 'service_principal' as const,
  groups: [],
  roles: [],
});

test('the shipped policy admits a granted application and refuses anyone else, with the reason', async () => {
  await using dir = await tempDir();
  const bundle = await grantingPolicyBundle(dir.path, {
    issuer: ISSUER,
    appIds: ['ci-deployer'],
    targetLabels: [{ env: ['production'], kind: ['database'] }],
  });
  const policy = await PolicyEngine.load(bundle);
  const request = { target, sessionId: 's1', clientAddress: '127.0.0.1' };

  const admitted = admitSession(policy, { ...request, identity: identity('ci-deployer') });
  assert.equal(admitted.admitted, true);

  const stranger = admitSession(policy, { ...request, identity: identity('someone-else') });
  assert.equal(stranger.admitted, false);
  assert.equal(!stranger.admitted && stranger.reason, 'policy_denied');
  assert.ok(!stranger.admitted && stranger.detail.length > 0);

  const otherTarget = admitSession(policy, {
    ...request,
    identity: identity('ci-deployer'),
    target: { ...target, labels: { env: 'staging', kind: 'cache' } },
  });
  assert.equal(otherTarget.admitted, false);
});
