import { type Writable } from 'node:stream';
import { type Decision } from '../contract/decision.js';
import { type PolicyEngineOptions, PolicyEngine } from '../engine/policy-engine.js';
import { decisionDiff } from './decision-diff.js';
import { readDecisionFixtures } from './decision-fixtures.js';

export interface RunDecisionFixturesOptions {
  /** The compiled bundle (tar.gz or directory) the fixtures run against. */
  bundle: string;
  fixturesDir: string;
  stdout: Writable;
  engineOptions?: PolicyEngineOptions;
}

export interface FixtureRun {
  passed: number;
  failed: number;
  /** What was printed: one line per fixture, a diff under each failure. */
  report: string;
  exitCode: number;
}

/** Runs every decision fixture against the compiled wasm (not the Rego), as proxies will. */
export async function runDecisionFixtures(options: RunDecisionFixturesOptions): Promise<FixtureRun> {
  const engine = await PolicyEngine.load(options.bundle, options.engineOptions);
  const fixtures = await readDecisionFixtures(options.fixturesDir);
  const lines: string[] = [];
  let passed = 0;
  let failed = 0;
  for (const fixture of fixtures) {
    const decision =
      fixture.entrypoint === 'session'
        ? engine.decideSession(fixture.input as never)
        : engine.decideCommand(fixture.input as never);
    const diff = decisionDiff(fixture.expected, policyPart(decision));
    if (diff.length === 0) {
      passed++;
      lines.push(`ok   ${fixture.name}`);
    } else {
      failed++;
      lines.push(`FAIL ${fixture.name}${fixture.description ? ` — ${fixture.description}` : ''}`);
      lines.push(...diff.map((l) => `       ${l}`));
    }
  }
  lines.push(`${passed} passed, ${failed} failed (bundle revision ${engine.revision})`);
  const report = `${lines.join('\n')}\n`;
  options.stdout.write(report);
  return { passed, failed, report, exitCode: failed === 0 && passed > 0 ? 0 : 1 };
}

/** The fields a fixture pins: the policy's answer, without per-call provenance. */
export function policyPart(decision: Decision): Decision {
  const { allow, deny, review, mask, mask_derived, reuse_until_ns, upstream } = decision;
  return {
    allow,
    deny,
    review,
    mask,
    ...(mask_derived === undefined ? {} : { mask_derived }),
    ...(reuse_until_ns === undefined ? {} : { reuse_until_ns }),
    ...(upstream === undefined ? {} : { upstream }),
  };
}
