import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '@portcullis/test-support';
import { type CommandInput } from '../contract/policy-input.js';
import { MemoryDecisionLog } from '../decision-log/decision-log.js';
import { EvaluationFailure } from '../errors.js';
import { buildTestBundle, MISBEHAVING_POLICY, SHIPPED_BUNDLE } from '../testing/test-bundles.js';
import { PolicyEngine } from './policy-engine.js';
import { readPolicyBundle } from '../bundle/policy-bundle.js';

const ENTRA = 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/v2.0';

function statement(kind: string, fields: Record<string, unknown> = {}) {
  return {
    kind,
    text: kind,
    objects: [],
    has_where: true,
    where_tautology: false,
    writes: false,
    nested_kinds: [],
    functions: [],
    columns_read: [],
    explain_analyze: false,
    copy: null,
    dynamic_sql: false,
    ...fields,
  };
}

function command(text: string, statements: unknown[] = [statement('select')]): CommandInput {
  return {
    identity: { subject: 'sp-deployer', issuer: ENTRA, app_id: '11111111-1111-1111-1111-111111111111' },
    target: { name: 'prod-db', protocol: 'postgres', labels: { env: 'production', kind: 'database' } },
    command: { text, protocol: 'postgres', statements: statements as never, columns_read: [] },
  };
}

test('the shipped bundle decides commands and carries provenance', async () => {
  const engine = await PolicyEngine.load(SHIPPED_BUNDLE);
  assert.equal(engine.revision, (await readPolicyBundle(SHIPPED_BUNDLE)).revision);
  const denied = engine.decideCommand(command('DROP TABLE users', [statement('drop')]));
  assert.equal(denied.allow, false);
  assert.deepEqual(denied.deny, ['statement 1 (drop): drop is not allowed on target prod-db']);
  assert.match(denied.decision_id, /^[0-9a-f-]{36}$/);
  assert.match(denied.bundle_revision, /^src-[0-9a-f]{16}$/);
  assert.ok(denied.evaluation_ns > 0);
  const allowed = engine.decideCommand(command('SELECT 1'));
  assert.equal(allowed.allow, true);
  assert.notEqual(allowed.decision_id, denied.decision_id);
  const session = engine.decideSession(command('x'));
  assert.equal(session.allow, true);
  assert.equal(session.entrypoint, 'session');
});

test('fail closed: an input violating the schema is a deny naming the field', async () => {
  const engine = await PolicyEngine.load(SHIPPED_BUNDLE);
  const { has_where: _gone, ...partial } = statement('delete');
  const decision = engine.decideCommand(command('DELETE FROM t', [partial]));
  assert.equal(decision.allow, false);
  assert.equal(decision.error?.code, EvaluationFailure.InvalidInput);
  assert.match(decision.deny[0]!, /\/command\/statements\/0 must have required properties has_where/);
  const noCommand = engine.decideCommand({
    identity: command('').identity,
    target: command('').target,
  } as never);
  assert.match(noCommand.deny[0]!, /\/command is required for command decisions/);
});

test('fail closed: evaluation error, undefined result, schema-violating result, over budget', async () => {
  await using dir = await tempDir('portcullis-policy-');
  const bundle = await buildTestBundle({ dir: dir.path, files: MISBEHAVING_POLICY });
  const engine = await PolicyEngine.load(bundle);
  assert.equal(engine.decideCommand(command('fine')).allow, true);

  const cases: [string, EvaluationFailure, RegExp][] = [
    ['error', EvaluationFailure.EvaluationError, /policy evaluation failed/],
    ['undefined', EvaluationFailure.Undefined, /no decision \(undefined\)/],
    ['bad-shape', EvaluationFailure.InvalidDecision, /\/allow must be boolean/],
  ];
  for (const [text, code, reason] of cases) {
    const decision = engine.decideCommand(command(text));
    assert.equal(decision.allow, false, text);
    assert.equal(decision.error?.code, code, text);
    assert.match(decision.deny[0]!, reason);
    assert.match(decision.deny[0]!, /^portcullis: /);
    assert.equal(decision.review.required, false);
  }

  const slow = await PolicyEngine.load(bundle, { budgetNs: 0 });
  const over = slow.decideCommand(command('fine'));
  assert.equal(over.allow, false);
  assert.equal(over.error?.code, EvaluationFailure.OverBudget);
});

test('decision log records carry OPA fields with sensitive input erased', async () => {
  const log = new MemoryDecisionLog();
  const engine = await PolicyEngine.load(SHIPPED_BUNDLE, { decisionLog: log, labels: { instance: 'gw-1' } });
  const input = command("ALTER ROLE app PASSWORD 'hunter2'", [
    statement('role', { text: "ALTER ROLE app PASSWORD 'hunter2'" }),
  ]);
  const decision = engine.decideCommand(input);
  assert.equal(log.records.length, 1);
  const record = log.records[0]!;
  assert.equal(record.decision_id, decision.decision_id);
  assert.equal(record.path, 'portcullis/command/decision');
  assert.deepEqual(record.bundles, { portcullis: { revision: decision.bundle_revision } });
  assert.equal(record.metrics.timer_rego_query_eval_ns, decision.evaluation_ns);
  assert.deepEqual(record.labels, { instance: 'gw-1' });
  assert.deepEqual(record.erased, ['/input/command/text', '/input/command/statements/0/text']);
  assert.doesNotMatch(JSON.stringify(record.input), /hunter2/);
  assert.equal((record.result as { allow: boolean }).allow, false);
  assert.ok(!Number.isNaN(Date.parse(record.timestamp)));
  assert.equal(input.command.text.includes('hunter2'), true, 'the caller input is not modified');
});

test('a throwing decision-log sink does not change the decision', async () => {
  const engine = await PolicyEngine.load(SHIPPED_BUNDLE, {
    decisionLog: {
      write() {
        throw new Error('disk full');
      },
    },
  });
  assert.equal(engine.decideCommand(command('SELECT 1')).allow, true);
});
