import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  contentHash,
  encodeForChain,
  GENESIS_HASH,
  hashEvent,
  StreamChainVerifier,
  type HashableEvent,
} from './hash-chain.js';
import { canonicalJson } from './canonical-json.js';

function chain(n: number): (HashableEvent & { hash: string })[] {
  const events: (HashableEvent & { hash: string })[] = [];
  let prevHash = GENESIS_HASH;
  for (let revision = 0; revision < n; revision++) {
    const base = {
      streamName: 'session-s1',
      revision,
      id: `00000000-0000-4000-8000-00000000000${revision}`,
      type: 'CommandReceived',
      schemaVersion: 1,
      data: { sessionId: 's1', sequence: revision + 1, text: `select ${revision}` },
      metadata: {
        $correlationId: 's1',
        $causationId: null,
        actor: 'agent',
        gatewayInstance: 'gw-1',
        recordedAt: '2026-11-22T00:00:00.000Z',
        prevHash,
      },
    };
    const hash = hashEvent(base);
    events.push({ ...base, hash });
    prevHash = hash;
  }
  return events;
}

function verify(events: (HashableEvent & { hash: string })[]) {
  const verifier = new StreamChainVerifier();
  for (const event of events) {
    const broken = verifier.check(event);
    if (broken) return broken;
  }
  return null;
}

test('an untouched chain verifies', () => {
  assert.equal(verify(chain(5)), null);
});

test('the hash does not depend on key order (jsonb reorders keys)', () => {
  const [event] = chain(1);
  assert.ok(event);
  const reordered = { ...event, data: { text: 'select 0', sequence: 1, sessionId: 's1' } };
  assert.equal(hashEvent(reordered), event.hash);
});

test('an edited event is named as the first broken link', () => {
  const events = chain(5);
  events[2] = { ...events[2]!, data: { sessionId: 's1', sequence: 3, text: 'drop table users' } };
  const broken = verify(events);
  assert.equal(broken?.revision, 2);
  assert.equal(broken?.problem, 'hash_mismatch');
});

test('an edited event whose stored hash was also rewritten breaks the next link', () => {
  const events = chain(5);
  const edited = { ...events[2]!, data: { sessionId: 's1', sequence: 3, text: 'drop table users' } };
  events[2] = { ...edited, hash: hashEvent(edited) };
  const broken = verify(events);
  assert.equal(broken?.revision, 3);
  assert.equal(broken?.problem, 'prev_hash_mismatch');
});

test('a removed event is a revision gap', () => {
  const events = chain(5);
  events.splice(1, 1);
  assert.deepEqual(
    { revision: verify(events)?.revision, problem: verify(events)?.problem },
    { revision: 2, problem: 'revision_gap' },
  );
});

test('moving an event to another stream breaks its hash', () => {
  const events = chain(2);
  const moved = { ...events[0]!, streamName: 'session-s2' };
  assert.notEqual(hashEvent(moved), events[0]!.hash);
});

test('canonical JSON follows RFC 8785 (sorted keys, ECMAScript numbers)', () => {
  assert.equal(canonicalJson({ b: 1, a: [1e21, 0.1, -0, 'é'] }), '{"a":[1e+21,0.1,0,"é"],"b":1}');
});

test('encodeForChain is the canonical JSON of the whole event, built from parts', () => {
  const events = [
    {
      id: 'e-1',
      type: 'CommandReceived',
      schemaVersion: 1,
      data: { b: [1, 'x', null], a: { z: 1, y: 'ü\u2028' } },
    },
    { id: 'e-"2"', type: 'T', schemaVersion: 12, data: 'just a string' },
    { id: 'e-3', type: 'T', schemaVersion: 1, data: { skipped: undefined, n: 1e21, f: 0.1 } },
  ];
  for (const event of events) {
    const metadata = { actor: 'a', $correlationId: 'c', $causationId: null, prevHash: 'f'.repeat(64) };
    const encoded = encodeForChain({ ...event, streamName: 'session-1', metadata });
    const { prevHash: _omitted, ...rest } = metadata;
    const whole = canonicalJson({ streamName: 'session-1', ...event, metadata: rest });
    assert.equal(encoded.contentHash, createHash('sha256').update(whole).digest('hex'));
    assert.equal(encoded.data, canonicalJson(event.data));
    assert.equal(encoded.metadata, canonicalJson(rest));
    assert.equal(contentHash({ ...event, streamName: 'session-1', metadata }), encoded.contentHash);
  }
});
