import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type Decision, type Entrypoint } from '../contract/decision.js';
import { PolicyBundleError } from '../errors.js';

/**
 * A decision fixture: one input and the decision the policy must give.
 * Stored as fixtures/<entrypoint>/<name>.json with
 * { "description": "...", "input": {...}, "expected": {...} }.
 */
export interface DecisionFixture {
  name: string;
  entrypoint: Entrypoint;
  description: string;
  input: unknown;
  expected: Decision;
}

export async function readDecisionFixtures(fixturesDir: string): Promise<DecisionFixture[]> {
  const fixtures: DecisionFixture[] = [];
  for (const entrypoint of ['session', 'command'] as const) {
    const dir = join(fixturesDir, entrypoint);
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
    for (const file of names) {
      const raw = JSON.parse(await readFile(join(dir, file), 'utf8')) as Partial<DecisionFixture>;
      if (raw.input === undefined || raw.expected === undefined) {
        throw new PolicyBundleError(`fixture ${entrypoint}/${file} needs "input" and "expected"`);
      }
      fixtures.push({
        name: `${entrypoint}/${basename(file, '.json')}`,
        entrypoint,
        description: raw.description ?? '',
        input: raw.input,
        expected: raw.expected,
      });
    }
  }
  return fixtures;
}
