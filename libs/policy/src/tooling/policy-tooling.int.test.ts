import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { tempDir } from '@portcullis/test-support';
import { policyDecisionSchema } from '../contract/decision-schema.js';
import { policyDataSchema } from '../contract/data-schema.js';
import { policyInputSchema } from '../contract/input-schema.js';
import { readPolicyBundle } from '../bundle/policy-bundle.js';
import { POLICIES_DIR, SHIPPED_BUNDLE } from '../testing/test-bundles.js';
import { buildPolicyBundle, sourceRevision } from './build-policy-bundle.js';
import { evaluatePolicyFile } from './evaluate-policy-file.js';
import { runDecisionFixtures } from './run-decision-fixtures.js';

function sink(): Writable & { text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return Object.assign(stream, { text: () => Buffer.concat(chunks).toString() });
}

test('the engine mirrors the JSON Schemas published in policies-rego/schemas', async () => {
  const read = async (name: string) =>
    JSON.parse(await readFile(join(POLICIES_DIR, 'schemas', name), 'utf8')) as unknown;
  assert.deepEqual(policyInputSchema, await read('input.schema.json'));
  assert.deepEqual(policyDecisionSchema, await read('decision.schema.json'));
  assert.deepEqual(policyDataSchema, await read('data.schema.json'));
});

test('buildPolicyBundle compiles the shipped sources into the committed bundle', async () => {
  await using dir = await tempDir('portcullis-policy-');
  const out = sink();
  const outputFile = join(dir.path, 'bundle.tar.gz');
  const { exitCode, revision } = await buildPolicyBundle({
    sourceDir: join(POLICIES_DIR, 'src'),
    outputFile,
    capabilitiesFile: join(POLICIES_DIR, 'capabilities.json'),
    stdout: out,
    stderr: sink(),
  });
  assert.equal(exitCode, 0);
  assert.equal(revision, await sourceRevision(join(POLICIES_DIR, 'src')));
  const [built, committed] = await Promise.all([
    readPolicyBundle(outputFile),
    readPolicyBundle(SHIPPED_BUNDLE),
  ]);
  assert.ok(built.wasm.equals(committed.wasm), 'committed policy.wasm is stale: run npm run policies:build');
  assert.equal(built.revision, committed.revision);
  assert.match(out.text(), /built .*bundle.tar.gz/);
});

test('buildPolicyBundle rejects a builtin the wasm host does not provide', async () => {
  await using dir = await tempDir('portcullis-policy-');
  await writeFile(join(dir.path, 'clock.rego'), 'package portcullis.session\n\ndecision := time.now_ns()\n');
  const out = sink();
  const { exitCode } = await buildPolicyBundle({
    sourceDir: dir.path,
    outputFile: join(dir.path, 'out.tar.gz'),
    capabilitiesFile: join(POLICIES_DIR, 'capabilities.json'),
    stdout: out,
    stderr: out,
  });
  assert.notEqual(exitCode, 0);
  assert.match(out.text(), /undefined function time\.now_ns/);
});

test('runDecisionFixtures passes the shipped fixtures against the committed wasm', async () => {
  const out = sink();
  const run = await runDecisionFixtures({
    bundle: SHIPPED_BUNDLE,
    fixturesDir: join(POLICIES_DIR, 'fixtures'),
    stdout: out,
  });
  assert.equal(run.failed, 0, run.report);
  assert.ok(run.passed >= 20);
  assert.equal(run.exitCode, 0);
  assert.equal(out.text(), run.report);
});

test('runDecisionFixtures prints a readable diff and fails on a wrong expectation', async () => {
  await using dir = await tempDir('portcullis-policy-');
  await cp(join(POLICIES_DIR, 'fixtures'), dir.path, { recursive: true });
  const file = join(dir.path, 'command', 'drop-table-denied-on-production.json');
  const fixture = JSON.parse(await readFile(file, 'utf8')) as {
    expected: { allow: boolean; deny: string[] };
  };
  fixture.expected.allow = true;
  fixture.expected.deny = [];
  await writeFile(file, JSON.stringify(fixture));
  const run = await runDecisionFixtures({ bundle: SHIPPED_BUNDLE, fixturesDir: dir.path, stdout: sink() });
  assert.equal(run.failed, 1);
  assert.equal(run.exitCode, 1);
  assert.match(run.report, /FAIL command\/drop-table-denied-on-production/);
  assert.match(run.report, /- \/allow: true\n\s+\+ \/allow: false/);
  assert.match(run.report, /\+ \/deny\/0: "statement 1 \(drop\): drop is not allowed on target prod-db"/);
});

test('evaluatePolicyFile prints the decision as JSON with its timing', async () => {
  await using dir = await tempDir('portcullis-policy-');
  const fixture = JSON.parse(
    await readFile(join(POLICIES_DIR, 'fixtures', 'command', 'ssh-rm-rf-root-denied.json'), 'utf8'),
  ) as { input: unknown };
  const inputFile = join(dir.path, 'input.json');
  await writeFile(inputFile, JSON.stringify(fixture.input));
  const out = sink();
  const err = sink();
  const result = await evaluatePolicyFile({
    bundle: SHIPPED_BUNDLE,
    inputFile,
    entrypoint: 'command',
    stdout: out,
    stderr: err,
  });
  assert.equal(result.exitCode, 0);
  const printed = JSON.parse(out.text()) as { allow: boolean; deny: string[]; evaluation_ns: number };
  assert.equal(printed.allow, false);
  assert.deepEqual(printed.deny, ['rm -r on / is not allowed']);
  assert.ok(printed.evaluation_ns > 0);
  assert.match(err.text(), /evaluated in [\d.]+ µs/);

  const missing = await evaluatePolicyFile({
    bundle: SHIPPED_BUNDLE,
    inputFile: join(dir.path, 'nope.json'),
    entrypoint: 'command',
    stdout: sink(),
    stderr: err,
  });
  assert.equal(missing.exitCode, 1);
});
