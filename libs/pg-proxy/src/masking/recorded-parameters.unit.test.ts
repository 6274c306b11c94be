import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { recordedParameters } from './recorded-parameters.js';

const none = { columns: new Map() };
const ssnMasked = { columns: new Map([['public.customers.ssn', 'partial' as const]]) };

describe('recordedParameters (what CommandReceived.parameters may hold)', () => {
  it('keeps ordinary values, positions and NULLs as they are', () => {
    assert.deepEqual(recordedParameters(['42', null, 'alice', 'true'], none), ['42', null, 'alice', 'true']);
  });

  it('redacts what a detector finds in a parameter, and only that', () => {
    const [email, ssn, note] = recordedParameters(
      ['ada@example.com', '123-45-6789', 'call ada@example.com today'],
      none,
    );
    assert.ok(!email!.includes('ada@example.com'), email!);
    assert.ok(!ssn!.includes('123-45-6789'), ssn!);
    assert.ok(note!.startsWith('call ') && note!.endsWith(' today') && !note!.includes('example.com'), note!);
  });

  it('finds values hidden in binary parameters (recorded as \\x hex)', () => {
    const hex = `\\x${Buffer.from('ssn 123-45-6789').toString('hex')}`;
    const [recorded] = recordedParameters([hex], none);
    assert.notEqual(recorded, hex);
  });

  it('redacts every parameter of a statement that touches a masked column', () => {
    const recorded = recordedParameters(['Ada Lovelace', '7', null], ssnMasked);
    assert.equal(recorded[2], null);
    assert.ok(!recorded.includes('Ada Lovelace') && !recorded.includes('7'), JSON.stringify(recorded));
    assert.equal(recorded.length, 3);
  });
});
