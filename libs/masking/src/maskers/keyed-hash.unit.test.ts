import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { KeyedHash } from './keyed-hash.js';

describe('KeyedHash', () => {
  const keys = ['sixteen-byte-key', 'k'.repeat(64), 'a much longer key than one SHA-256 block '.repeat(3)];
  const values = [
    '',
    'a',
    'john@example.com',
    'Zoë 😀 ✓',
    'x'.repeat(1365),
    'y'.repeat(1366),
    'z'.repeat(10_000),
  ];

  it('is HMAC-SHA-256, byte for byte, for short, long, multi-byte and oversized values and keys', () => {
    for (const key of keys) {
      const keyed = new KeyedHash(key, 64);
      for (const value of values) {
        const expected = createHmac('sha256', key).update(value).digest();
        assert.deepEqual(keyed.mac(value), expected, `${key.length}/${value.length} string`);
        assert.deepEqual(keyed.mac(Buffer.from(value)), expected, `${key.length}/${value.length} bytes`);
      }
    }
  });

  it('agrees with createHmac for every message length up to five blocks', () => {
    const keyed = new KeyedHash('sixteen-byte-key', 64);
    for (let n = 0; n < 320; n++) {
      const value = Buffer.alloc(n, n % 251);
      assert.deepEqual(
        keyed.mac(value),
        createHmac('sha256', 'sixteen-byte-key').update(value).digest(),
        `${n}`,
      );
    }
  });

  it('leaves nothing of a previous value behind in its scratch space', () => {
    const keyed = new KeyedHash('sixteen-byte-key', 16);
    const first = keyed.hex('short');
    keyed.hex('a considerably longer value that fills more scratch');
    assert.equal(keyed.hex('short'), first);
  });

  it('writes the same truncated hex as text and as bytes', () => {
    const keyed = new KeyedHash('sixteen-byte-key', 20);
    assert.equal(
      keyed.hexBytes(Buffer.from('4111 1111 1111 1111')).toString('latin1'),
      keyed.hex('4111 1111 1111 1111'),
    );
    assert.equal(keyed.hex('x').length, 20);
  });
});
