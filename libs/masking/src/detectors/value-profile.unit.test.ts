import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { profileBytes, profileText } from './value-profile.js';

describe('value profile', () => {
  it('measures digit runs joined by separators', () => {
    assert.equal(profileText('4111 1111 1111 1111').joinedDigits, 16);
    assert.equal(profileText('+1 (415) 555-2671').joinedDigits, 11);
    assert.equal(profileText('2024-01-15 12:30:45').joinedDigits, 10);
    assert.equal(profileText('a1b2c3').joinedDigits, 1);
  });

  it('measures hex and base64 runs', () => {
    const p = profileText('\\x34313131 NDExMTEx==');
    assert.equal(p.hexRun, 8);
    assert.equal(p.base64Run, 9); // x34313131
  });

  it('is the same from UTF-8 bytes as from the string, apart from the length unit', () => {
    for (const value of ['Zoë paid 4111 1111 1111 1111 ✓', 'jane@example.com', '😀 AKIAIOSFODNN7EXAMPLE']) {
      const fromText = { ...profileText(value), length: 0 };
      const fromBytes = { ...profileBytes(Buffer.from(value)), length: 0 };
      assert.deepEqual(fromBytes, fromText, value);
    }
  });
});
