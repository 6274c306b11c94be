import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  revocationStream,
  terminationStream,
  toNewEvent,
  type DomainEvent,
  type Identity,
} from '@portcullis/events';
import { openSqlEventStore, type EventStore } from '@portcullis/eventstore';
import { tempDir, type TempDir } from '@portcullis/test-support';
import { StoreAccessLifecycle } from './access-lifecycle.js';

const ISSUER = 'https://issuer.test';
const agent: Identity = {
  subject: 'sp-1',
  issuer: ISSUER,
  app_id: 'app-1',
  kind: 'service_principal',
  groups: [],
  roles: [],
};
const admin = { subject: 'oncall', issuer: ISSUER };
const context = { actor: 'oncall', gatewayInstance: 'gw-b', correlationId: 'x' };

/** Resolves once `predicate` holds, polling; fails after 5 s. */
async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(predicate(), what);
}

describe('StoreAccessLifecycle on a real store (pglite)', () => {
  let dir: TempDir;
  let store: EventStore;
  const append = (stream: string, event: DomainEvent) =>
    store.append(stream, [toNewEvent(event, context)], 'any');

  before(async () => {
    dir = await tempDir('portcullis-lifecycle-');
    store = (await openSqlEventStore({ kind: 'pglite', dataDir: dir.path })).store;
  });
  after(async () => {
    await store.close();
    await dir.remove();
  });

  it('a revocation recorded before start is known at start; admission refuses the identity until it is lifted', async () => {
    await append(revocationStream('r-old'), {
      type: 'IdentityRevoked',
      data: { revocationId: 'r-old', identity: { appId: 'app-1' }, reason: 'leaked', revokedBy: admin },
    });
    const lifecycle = await StoreAccessLifecycle.start({ store });
    try {
      assert.equal(lifecycle.ready, true);
      const refusal = lifecycle.admissionRefusal(agent);
      assert.equal(refusal?.reason, 'identity_revoked');
      assert.match(refusal!.detail, /revocation r-old by oncall\): leaked/);
      assert.equal(lifecycle.admissionRefusal({ ...agent, app_id: 'app-2' }), undefined);
      await append(revocationStream('r-old'), {
        type: 'IdentityRevocationLifted',
        data: { revocationId: 'r-old', liftedBy: admin },
      });
      await until(() => lifecycle.admissionRefusal(agent) === undefined, 'the lift never arrived');
    } finally {
      await lifecycle.close();
    }
  });

  it('a termination from another instance ends the held session; a revocation ends every session of the identity', async () => {
    const lifecycle = await StoreAccessLifecycle.start({ store });
    try {
      const said = new Map<string, string>();
      const hold = (sessionId: string, identity = agent) =>
        lifecycle.hold({ sessionId, identity, end: (message) => said.set(sessionId, message) });
      const one = hold('s-1');
      const two = hold('s-2');
      const other = hold('s-3', { ...agent, subject: 'sp-9', app_id: 'app-9' });
      await append(terminationStream('s-1'), {
        type: 'SessionTerminationRequested',
        data: { sessionId: 's-1', requestedBy: admin, reason: 'incident 42' },
      });
      await until(() => said.has('s-1'), 's-1 was not ended');
      assert.equal(said.get('s-1'), 'portcullis: session terminated by oncall: incident 42');
      assert.equal(one.closing('client_disconnected').reason, 'terminated');
      assert.equal(said.has('s-2'), false);

      await append(revocationStream('r-new'), {
        type: 'IdentityRevoked',
        data: {
          revocationId: 'r-new',
          identity: { issuer: ISSUER, subject: 'sp-1' },
          reason: 'leaked',
          revokedBy: admin,
        },
      });
      await until(() => said.has('s-2'), 's-2 was not ended by the revocation');
      assert.equal(two.closing('x').revocationId, 'r-new');
      assert.equal(said.has('s-3'), false, 'another identity was ended');
      assert.equal(other.termination, undefined);
      // Admitted in the gap before the revocation arrived: ended as soon as it is held.
      hold('s-4');
      assert.equal(said.get('s-4'), 'portcullis: session terminated: access revoked');
    } finally {
      await lifecycle.close();
    }
  });

  it('a termination that arrives before its session is held ends it when it is', async () => {
    const lifecycle = await StoreAccessLifecycle.start({ store });
    try {
      let marker: string | undefined;
      lifecycle.hold({ sessionId: 's-marker', identity: agent, end: (m) => (marker = m) });
      await append(terminationStream('s-early'), {
        type: 'SessionTerminationRequested',
        data: { sessionId: 's-early', requestedBy: admin, reason: 'now' },
      });
      await append(terminationStream('s-marker'), {
        type: 'SessionTerminationRequested',
        data: { sessionId: 's-marker', requestedBy: admin, reason: 'marker' },
      });
      // Delivered in order: once the marker's arrived, so had the early one (for a session not held yet).
      await until(() => marker !== undefined, 'the marker termination never arrived');
      let said: string | undefined;
      lifecycle.hold({
        sessionId: 's-early',
        identity: { ...agent, subject: 'sp-5', app_id: 'app-5' },
        end: (m) => (said = m),
      });
      assert.equal(said, 'portcullis: session terminated by oncall: now');
    } finally {
      await lifecycle.close();
    }
  });

  it('fails closed: before the history is read, admission refuses every identity', async () => {
    const closedDir = await tempDir('portcullis-lifecycle-closed-');
    const closed = (await openSqlEventStore({ kind: 'pglite', dataDir: closedDir.path })).store;
    await closed.close();
    const lifecycle = await StoreAccessLifecycle.start({ store: closed }, 300);
    try {
      assert.equal(lifecycle.ready, false);
      assert.equal(
        lifecycle.admissionRefusal({ ...agent, subject: 'anyone', app_id: 'any' })?.reason,
        'revocations_unknown',
      );
    } finally {
      await lifecycle.close();
      await closedDir.remove();
    }
  });
});
