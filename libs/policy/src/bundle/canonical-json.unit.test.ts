import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from './canonical-json.js';

test('sorts keys at every depth and drops whitespace, as OPA hashes structured files', () => {
  assert.equal(canonicalJson({ b: [{ z: 1, a: null }], a: 'x<y' }), '{"a":"x<y","b":[{"a":null,"z":1}]}');
});

test('escapes U+2028 like Go does', () => {
  assert.equal(canonicalJson('a\u2028b'), '"a\\u2028b"');
});
