#!/usr/bin/env node
// npm run policies:test — opa test on the Rego, then the decision fixtures
// against the committed wasm bundle (what the gateway runs).
import { execFileSync } from 'node:child_process';
import { findOpaBinary, runDecisionFixtures } from '@portcullis/policy';
import { paths } from './paths.mjs';

try {
  execFileSync(findOpaBinary(), ['test', '--verbose', paths.src], { stdio: 'inherit' });
} catch {
  process.exitCode = 1;
}
const { exitCode } = await runDecisionFixtures({
  bundle: process.argv[2] ?? paths.bundle,
  fixturesDir: paths.fixtures,
  stdout: process.stdout,
});
process.exitCode ||= exitCode;
