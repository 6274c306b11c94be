#!/usr/bin/env node
// Writes each fixture's "expected" from `opa eval` on the Rego sources.
// For authors adding a fixture: record, then READ the diff before committing;
// a recorded expectation is only as right as the policy that produced it.
//
//   node policies-rego/tools/record-fixtures.mjs [name-filter]
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { evaluateFixturesWithOpa, readDecisionFixtures } from '@portcullis/policy';
import { paths } from './paths.mjs';

const filter = process.argv[2] ?? '';
const fixtures = (await readDecisionFixtures(paths.fixtures)).filter((f) => f.name.includes(filter));
const decisions = await evaluateFixturesWithOpa(paths.src, fixtures);
for (const fixture of fixtures) {
  const file = join(paths.fixtures, `${fixture.name}.json`);
  const content = JSON.parse(await readFile(file, 'utf8'));
  content.expected = decisions.get(fixture.name) ?? null;
  await writeFile(file, `${JSON.stringify(content, null, 2)}\n`);
  console.log(`recorded ${fixture.name}`);
}
