import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UpcasterRegistry } from './upcasting.js';
import { eventCatalog } from './catalog/index.js';

test('upcasters run in order from the stored version to the current one', (t) => {
  // Pretend SessionClosed is at version 3 for this test.
  const entry = eventCatalog.SessionClosed as { schemaVersion: number };
  const original = entry.schemaVersion;
  entry.schemaVersion = 3;
  t.after(() => {
    entry.schemaVersion = original;
  });
  const registry = new UpcasterRegistry()
    .register('SessionClosed', 1, (d) => ({ ...(d as object), bytesFromClient: 0 }))
    .register('SessionClosed', 2, (d) => ({ ...(d as object), commands: 0 }));
  const upcast = registry.upcast({
    type: 'SessionClosed',
    schemaVersion: 1,
    data: { sessionId: 's', reason: 'x' },
  });
  assert.equal(upcast.schemaVersion, 3);
  assert.deepEqual(upcast.data, { sessionId: 's', reason: 'x', bytesFromClient: 0, commands: 0 });
});

test('a missing upcaster step is an error, not silently old data', (t) => {
  const entry = eventCatalog.SessionClosed as { schemaVersion: number };
  const original = entry.schemaVersion;
  entry.schemaVersion = 2;
  t.after(() => {
    entry.schemaVersion = original;
  });
  assert.throws(
    () => new UpcasterRegistry().upcast({ type: 'SessionClosed', schemaVersion: 1, data: {} }),
    /no upcaster for SessionClosed from schema version 1 to 2/,
  );
});

test('events at the current version are returned as they are', () => {
  const event = { type: 'SessionClosed', schemaVersion: 1, data: {} };
  assert.equal(new UpcasterRegistry().upcast(event), event);
});
