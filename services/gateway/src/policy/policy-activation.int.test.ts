import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { policyStream } from '@portcullis/events';
import { openSqlEventStore, type EventStore } from '@portcullis/eventstore';
import { PolicyEngine } from '@portcullis/policy';
import { grantingPolicyBundle, tempDir, type TempDir } from '@portcullis/test-support';
import { completeConfig } from '../config/load-config.js';
import { createLogger } from '../logging/logger.js';
import { PolicyActivation } from './policy-activation.js';
import { shippedPolicy } from './shipped-policy.js';

/**
 * Policy activation on a real PGlite store with real bundles: the shipped
 * one, then one whose data differs (a grant added), then the shipped one
 * again. Each change of revision or digest is recorded once; a restart with
 * the same bundle records nothing.
 */
describe('PolicyActivation (pglite)', () => {
  let dir: TempDir;
  let store: EventStore;
  before(async () => {
    dir = await tempDir('portcullis-activation-');
    store = (await openSqlEventStore({ kind: 'pglite', dataDir: `${dir.path}/store` })).store;
  });
  after(async () => {
    await store.close();
    await dir.remove();
  });

  const activate = async (bundle: string, instance: string) => {
    const engine = await PolicyEngine.load(bundle);
    const config = completeConfig({ instance }, 'test', dir.path);
    await new PolicyActivation(
      engine,
      store,
      config,
      createLogger('silent', instance),
    ).onApplicationBootstrap();
  };
  const recorded = async () =>
    (await store.readStream(policyStream(shippedPolicy.name))).map((e) => {
      const data = e.data as { digest: string; activatedBy: string };
      return [e.type, data.activatedBy, data.digest.length];
    });

  it('records each change of the active bundle once, whichever instance loads it', async () => {
    await activate(shippedPolicy.bundle, 'gw-a');
    await activate(shippedPolicy.bundle, 'gw-b'); // same bundle elsewhere: nothing new
    assert.deepEqual(await recorded(), [['PolicyActivated', 'gw-a', 64]]);
    const granting = await grantingPolicyBundle(dir.path, {
      issuer: 'https://issuer.test',
      appIds: ['app'],
      targetLabels: [{ env: ['test'] }],
    });
    await activate(granting, 'gw-b');
    await activate(shippedPolicy.bundle, 'gw-a');
    assert.deepEqual(await recorded(), [
      ['PolicyActivated', 'gw-a', 64],
      ['PolicyActivated', 'gw-b', 64],
      ['PolicyActivated', 'gw-a', 64],
    ]);
  });
});
