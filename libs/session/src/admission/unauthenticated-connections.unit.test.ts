import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnauthenticatedConnections, type Admission } from './unauthenticated-connections.js';

function caps(total: number, perAddress: number) {
  const warnings: { fields: Record<string, unknown>; message: string }[] = [];
  let now = 0;
  const connections = new UnauthenticatedConnections(
    { total, perAddress },
    { warn: (fields, message) => warnings.push({ fields: fields as Record<string, unknown>, message }) },
    'test:5432',
    () => now,
  );
  return { connections, warnings, advance: (ms: number) => (now += ms) };
}

const release = (admission: Admission) => {
  assert.ok(admission.admitted);
  admission.release();
};

describe('UnauthenticatedConnections', () => {
  it('refuses past the per-address cap, admits other addresses, and again once one is released', () => {
    const { connections } = caps(10, 2);
    const first = connections.admit('10.0.0.1');
    connections.admit('10.0.0.1');
    const third = connections.admit('::ffff:10.0.0.1');
    assert.deepEqual(third, {
      admitted: false,
      message: 'too many connections from 10.0.0.1: 2 are already waiting to authenticate',
    });
    assert.ok(connections.admit('10.0.0.2').admitted);
    release(first);
    release(first); // twice is once
    assert.equal(connections.count, 2);
    assert.ok(connections.admit('10.0.0.1').admitted);
  });

  it('refuses past the total cap whatever the address', () => {
    const { connections } = caps(3, 3);
    const held = ['a', 'b', 'c'].map((address) => connections.admit(address));
    const refused = connections.admit('d');
    assert.equal(refused.admitted, false);
    assert.match(!refused.admitted ? refused.message : '', /^too many connections: 3 are already waiting/);
    held.forEach(release);
    assert.equal(connections.count, 0);
    assert.ok(connections.admit('d').admitted);
  });

  it('warns once per window, with the count of refusals it stood for', () => {
    const { connections, warnings, advance } = caps(1, 1);
    connections.admit('a');
    for (let i = 0; i < 50; i++) connections.admit('a');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.fields.refused, 1);
    advance(10_000);
    connections.admit('a');
    assert.equal(warnings.length, 2);
    assert.equal(warnings[1]!.fields.refused, 50);
  });

  it('refuses limits that are not positive integers', () => {
    assert.throws(() => caps(0, 1), /total must be a positive integer/);
    assert.throws(() => caps(1, 1.5), /perAddress must be a positive integer/);
  });
});
