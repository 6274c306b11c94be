import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decisionDiff } from './decision-diff.js';

test('names each differing leaf with its path', () => {
  const diff = decisionDiff(
    { allow: true, deny: [], review: { required: false } },
    { allow: false, deny: ['drop is not allowed'], review: { required: false } },
  );
  assert.deepEqual(diff, ['- /allow: true', '+ /allow: false', '+ /deny/0: "drop is not allowed"']);
});

test('equal decisions have no diff; missing keys show on one side', () => {
  assert.deepEqual(decisionDiff({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), []);
  assert.deepEqual(decisionDiff({ a: 1, mask_derived: 'mask' }, { a: 1 }), ['- /mask_derived: "mask"']);
});
