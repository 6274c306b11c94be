import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enforceHostRules, failClosedDecision } from './fail-closed.js';

const review = { required: false, approver_groups: ['dba'], ttl_seconds: 900, min_approvals: 1 };

test('a deny wins over allow: true from a policy', () => {
  const decided = enforceHostRules({ allow: true, deny: ['no'], review, mask: [] });
  assert.equal(decided.allow, false);
});

test('a request awaiting review is not allowed yet, and a denied one is not offered for review', () => {
  assert.equal(
    enforceHostRules({ allow: true, deny: [], review: { ...review, required: true }, mask: [] }).allow,
    false,
  );
  const denied = enforceHostRules({
    allow: false,
    deny: ['no'],
    review: { ...review, required: true },
    mask: [],
  });
  assert.equal(denied.review.required, false);
});

test('a consistent decision passes through unchanged', () => {
  const decision = { allow: true, deny: [], review, mask: [] };
  assert.equal(enforceHostRules(decision), decision);
});

test('the fail-closed decision denies with the reason and offers no review', () => {
  const decision = failClosedDecision('portcullis: boom');
  assert.equal(decision.allow, false);
  assert.deepEqual(decision.deny, ['portcullis: boom']);
  assert.equal(decision.review.required, false);
});
