import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Identity } from '@portcullis/events';
import { LiveSessions, type Termination } from './live-sessions.js';

const agent: Identity = {
  subject: 'sp-1',
  issuer: 'https://issuer.test',
  kind: 'service_principal',
  groups: [],
  roles: [],
};
const admin = { subject: 'oncall', issuer: 'https://issuer.test' };
const terminated: Termination = { kind: 'terminated', by: admin, reason: 'incident 42' };

function session(sessionId: string, said: string[]) {
  return { sessionId, identity: agent, end: (message: string) => said.push(message) };
}

test('a termination says who and why on the wire once, and SessionClosed records it', () => {
  const live = new LiveSessions();
  const said: string[] = [];
  const held = live.hold(session('s-1', said));
  assert.deepEqual(held.closing('client_disconnected'), { reason: 'client_disconnected' });
  assert.equal(live.terminate('s-1', terminated), true);
  assert.equal(live.terminate('s-1', { ...terminated, reason: 'again' }), true);
  assert.deepEqual(said, ['portcullis: session terminated by oncall: incident 42']);
  assert.deepEqual(held.closing('client_disconnected'), {
    reason: 'terminated',
    terminatedBy: admin,
    terminationReason: 'incident 42',
  });
});

test('a revocation ends the session without telling the client its reason', () => {
  const live = new LiveSessions();
  const said: string[] = [];
  const held = live.hold(session('s-1', said));
  live.terminate('s-1', { kind: 'identity_revoked', by: admin, reason: 'leaked key', revocationId: 'r-1' });
  assert.deepEqual(said, ['portcullis: session terminated: access revoked']);
  assert.deepEqual(held.closing('upstream_closed'), {
    reason: 'identity_revoked',
    terminatedBy: admin,
    terminationReason: 'leaked key',
    revocationId: 'r-1',
  });
});

test('a released session is no longer held: a late termination finds nothing', () => {
  const live = new LiveSessions();
  const said: string[] = [];
  live.hold(session('s-1', said)).release();
  assert.equal(live.terminate('s-1', terminated), false);
  assert.deepEqual(said, []);
  assert.equal(live.size, 0);
});
