import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSchema, compileSchema } from './check-schema.js';
import { policyDecisionSchema } from './decision-schema.js';
import { policyInputSchema } from './input-schema.js';

const statement = {
  kind: 'delete',
  text: 'DELETE FROM t',
  objects: ['public.t'],
  has_where: false,
  where_tautology: false,
  writes: true,
  nested_kinds: [],
  functions: [],
  columns_read: [],
  explain_analyze: false,
  copy: null,
  dynamic_sql: false,
};
const input = {
  identity: { subject: 's', issuer: 'i' },
  target: { name: 'db', protocol: 'postgres', labels: { env: 'production' } },
  command: { text: 'DELETE FROM t', protocol: 'postgres', statements: [statement], columns_read: [] },
};
const decision = {
  allow: true,
  deny: [],
  review: { required: false, approver_groups: [], ttl_seconds: 900, min_approvals: 1 },
  mask: [
    { column: 'public.users.email', method: 'partial' },
    { detector: 'credit_card', method: 'redact' },
  ],
  mask_derived: 'mask',
};
const isInput = compileSchema(policyInputSchema);
const isDecision = compileSchema(policyDecisionSchema);

test('a well-formed input and decision pass both the checker and the compiled predicate', () => {
  assert.deepEqual(checkSchema(policyInputSchema, input), []);
  assert.equal(isInput(input), true);
  assert.deepEqual(checkSchema(policyDecisionSchema, decision), []);
  assert.equal(isDecision(decision), true);
});

test('a statement missing a field the rules key on is named by its path', () => {
  const { has_where: _dropped, ...partial } = statement;
  const bad = { ...input, command: { ...input.command, statements: [partial] } };
  assert.deepEqual(checkSchema(policyInputSchema, bad), [
    { path: '/command/statements/0', message: 'must have required properties has_where' },
  ]);
  assert.equal(isInput(bad), false);
});

test('wrong types, unknown enum values and non-string labels are rejected', () => {
  const bad = {
    ...input,
    target: { name: 'db', protocol: 'mysql', labels: { env: 1 } },
    now_ns: -1,
  };
  const paths = checkSchema(policyInputSchema, bad).map((p) => p.path);
  for (const path of ['/now_ns', '/target/labels/env', '/target/protocol'])
    assert.ok(paths.includes(path), path);
  assert.ok(!paths.some((p) => p.startsWith('/identity') || p.startsWith('/command')), paths.join());
  assert.equal(isInput(bad), false);
});

test('a decision with a mask method outside the schema or a string allow is invalid', () => {
  for (const bad of [
    { ...decision, allow: 'yes' },
    { ...decision, mask: [{ column: 'public.t.c', method: 'scramble' }] },
    { ...decision, mask_derived: 'ignore' },
    { ...decision, review: { required: false } },
  ]) {
    assert.equal(isDecision(bad), false, JSON.stringify(bad));
    assert.notDeepEqual(checkSchema(policyDecisionSchema, bad), []);
  }
});

test('standard JSON Schema keywords are enforced, not ignored', () => {
  assert.deepEqual(checkSchema({ type: 'string', pattern: '^a' }, 'abc'), []);
  assert.equal(checkSchema({ type: 'string', pattern: '^a' }, 'bcd').length, 1);
});
