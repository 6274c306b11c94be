#!/usr/bin/env node
// npm run policies:check — what CI runs before the test suites:
//   1. capabilities.json matches the pinned opa and the wasm SDK;
//   2. opa check --strict, opa fmt (no diff);
//   3. opa test with coverage >= COVERAGE_THRESHOLD over the shipped (non-test) Rego;
//   4. a fresh wasm build equals the committed dist/bundle.tar.gz;
//   5. every decision fixture gives the same decision from `opa eval` on the
//      Rego, from the committed wasm, and as its "expected" file.
// Regal is not run: see policies-rego/README.md.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Writable } from 'node:stream';
import {
  buildPolicyBundle,
  decisionDiff,
  evaluateFixturesWithOpa,
  findOpaBinary,
  readDecisionFixtures,
  readPolicyBundle,
  runDecisionFixtures,
} from '@portcullis/policy';
import { paths } from './paths.mjs';

const COVERAGE_THRESHOLD = 90;
const run = promisify(execFile);
const opa = findOpaBinary();
const failures = [];

async function step(name, body) {
  process.stdout.write(`-- ${name}\n`);
  try {
    const problem = await body();
    if (problem) failures.push(`${name}: ${problem}`);
  } catch (error) {
    failures.push(`${name}: ${error.stderr || error.stdout || error.message}`);
  }
}

await step('capabilities', async () => {
  await run(process.execPath, [join(import.meta.dirname, 'capabilities.mjs'), '--check']);
});

await step('opa check --strict', async () => {
  await run(opa, ['check', '--strict', '--capabilities', paths.capabilities, paths.src]);
});

await step('opa fmt', async () => {
  const { stdout } = await run(opa, ['fmt', '--list', paths.src]);
  if (stdout.trim()) return `not formatted (run opa fmt -w policies-rego/src):\n${stdout}`;
});

await step('opa test --coverage', async () => {
  await run(opa, ['test', paths.src]).catch((error) => {
    throw new Error(`opa test failed:\n${error.stdout}${error.stderr}`);
  });
  const { stdout } = await run(opa, ['test', '--coverage', paths.src], { maxBuffer: 64 * 1024 * 1024 });
  let covered = 0;
  let notCovered = 0;
  for (const [file, report] of Object.entries(JSON.parse(stdout).files)) {
    if (file.endsWith('_test.rego')) continue;
    covered += report.covered_lines ?? 0;
    notCovered += report.not_covered_lines ?? 0;
  }
  const coverage = (100 * covered) / (covered + notCovered);
  process.stdout.write(
    `   coverage of shipped Rego: ${coverage.toFixed(1)}% (threshold ${COVERAGE_THRESHOLD}%)\n`,
  );
  if (coverage < COVERAGE_THRESHOLD)
    return `coverage ${coverage.toFixed(1)}% is below ${COVERAGE_THRESHOLD}%`;
});

const scratch = await mkdtemp(join(tmpdir(), 'portcullis-policies-'));
await step('fresh build equals committed bundle', async () => {
  const fresh = join(scratch, 'bundle.tar.gz');
  const log = new Writable({ write: (_c, _e, done) => done() });
  const { exitCode } = await buildPolicyBundle({
    sourceDir: paths.src,
    outputFile: fresh,
    capabilitiesFile: paths.capabilities,
    stdout: log,
    stderr: process.stderr,
  });
  if (exitCode !== 0) return `opa build exited ${exitCode}`;
  const [built, committed] = await Promise.all([readPolicyBundle(fresh), readPolicyBundle(paths.bundle)]);
  const problems = [];
  if (!built.wasm.equals(committed.wasm)) problems.push('policy.wasm differs');
  problems.push(...decisionDiff(committed.data, built.data).map((l) => `data.json ${l}`));
  problems.push(...decisionDiff(committed.manifest, built.manifest).map((l) => `.manifest ${l}`));
  if (problems.length)
    return `the committed bundle is stale (run npm run policies:build):\n  ${problems.join('\n  ')}`;
});
await rm(scratch, { recursive: true, force: true });

await step('fixtures: opa eval on Rego == committed wasm == expected', async () => {
  const fixtures = await readDecisionFixtures(paths.fixtures);
  const fromRego = await evaluateFixturesWithOpa(paths.src, fixtures);
  const problems = [];
  for (const fixture of fixtures) {
    const diff = decisionDiff(fixture.expected, fromRego.get(fixture.name));
    if (diff.length) problems.push(`${fixture.name} (opa eval vs expected):\n    ${diff.join('\n    ')}`);
  }
  const wasm = await runDecisionFixtures({
    bundle: paths.bundle,
    fixturesDir: paths.fixtures,
    stdout: process.stdout,
  });
  if (wasm.failed > 0 || wasm.passed !== fixtures.length)
    problems.push('committed wasm disagrees (see above)');
  if (problems.length) return problems.join('\n  ');
});

if (failures.length) {
  process.stderr.write(`\npolicies:check FAILED\n${failures.map((f) => `* ${f}`).join('\n')}\n`);
  process.exitCode = 1;
} else {
  process.stdout.write('\npolicies:check passed\n');
}
