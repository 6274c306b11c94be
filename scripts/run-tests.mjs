#!/usr/bin/env node
// Runs the compiled tests with Node's built-in runner, in one `node --test`
// invocation so that a single summary closes the output.
//
//   node scripts/run-tests.mjs unit|int|e2e|all [path-filter]
//
// Tiers follow the file suffix: *.unit.test.js (no I/O), *.int.test.js (real
// PostgreSQL, real OPA), *.e2e.test.js (the whole gateway with real clients).
// Node 20's runner has no glob support, hence this file walker.
//
// Every file runs under a bound (PORTCULLIS_TEST_FILE_TIMEOUT_MS, default
// 5 min; the slowest file takes about one): a file that hangs is ended and
// reported as failed ("test timed out"), instead of holding CI until its own
// limit. The bound also applies to each test and hook inside a file.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';

const tiers = { unit: ['unit'], int: ['int'], e2e: ['e2e'], all: ['unit', 'int', 'e2e'] };
const [tierArg = 'all', filter = ''] = process.argv.slice(2);
const wanted = tiers[tierArg];
if (!wanted) {
  console.error(`unknown tier "${tierArg}"; expected one of ${Object.keys(tiers).join(', ')}`);
  process.exit(2);
}

const root = new URL('..', import.meta.url).pathname;
const roots = ['libs', 'services', 'test'];
const found = [];
function walk(dir, insideDist) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, insideDist || name === 'dist');
    else if (insideDist && name.endsWith('.test.js')) found.push(relative(root, path));
  }
}
for (const r of roots) walk(join(root, r), false);

const files = wanted.flatMap((tier) =>
  found.filter((f) => f.endsWith(`.${tier}.test.js`) && f.includes(filter)).sort(),
);
if (files.length === 0) {
  console.error(`no ${tierArg} test files found (did the build run?)`);
  process.exit(1);
}
const timeoutMs = Number(process.env.PORTCULLIS_TEST_FILE_TIMEOUT_MS ?? 300_000);
if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
  console.error('PORTCULLIS_TEST_FILE_TIMEOUT_MS must be a positive number of milliseconds');
  process.exit(2);
}
const args = ['--test', '--test-reporter=spec', `--test-timeout=${timeoutMs}`, ...files];
const child = spawn(process.execPath, args, {
  cwd: root,
  stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
