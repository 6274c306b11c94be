import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertValidEvent } from './validation.js';
import { ValidationError } from './errors.js';

const opened = {
  type: 'SessionOpened',
  data: {
    sessionId: 's1',
    identity: { subject: 'sp-1', issuer: 'https://issuer', kind: 'service_principal', groups: [], roles: [] },
    target: { name: 'prod-db', protocol: 'postgres', labels: { env: 'production' } },
    protocol: 'postgres',
    clientAddress: '127.0.0.1',
    policyRevision: 'r1',
  },
};

test('a valid event passes', () => {
  assert.doesNotThrow(() => assertValidEvent(opened));
});

test('an invalid event names each bad field', () => {
  const bad = {
    type: 'SessionOpened',
    data: { ...opened.data, protocol: 'telnet', extra: true, clientAddress: 5 },
  };
  assert.throws(
    () => assertValidEvent(bad),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      const paths = error.problems.map((p) => p.path);
      assert.ok(paths.includes('/data/protocol'), paths.join());
      assert.ok(paths.includes('/data/clientAddress'), paths.join());
      assert.ok(error.message.includes('additional properties'), error.message);
      return true;
    },
  );
});

test('an unknown event type is refused', () => {
  assert.throws(
    () => assertValidEvent({ type: 'TableDropped', data: {} }),
    /unknown event type "TableDropped"/,
  );
});
