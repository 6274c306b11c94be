import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENTRYPOINTS } from '../engine/compiled-policy.js';
import { IGNORED_SOURCES } from './build-policy-bundle.js';
import { type DecisionFixture } from './decision-fixtures.js';
import { findOpaBinary } from './opa-binary.js';

/**
 * Decides every fixture with `opa eval` on the Rego sources, in one opa
 * process: the fixtures go in as data and each is evaluated `with input`.
 * This is the reference the compiled wasm is held to.
 */
export async function evaluateFixturesWithOpa(
  sourceDir: string,
  fixtures: DecisionFixture[],
  opaPath: string = findOpaBinary(),
): Promise<Map<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-fixtures-'));
  try {
    const dataFile = join(dir, 'fixtures.json');
    const byEntrypoint = { session: {} as Record<string, unknown>, command: {} as Record<string, unknown> };
    for (const f of fixtures) byEntrypoint[f.entrypoint][f.name] = f.input;
    await writeFile(dataFile, JSON.stringify({ __portcullis_fixtures: byEntrypoint }));
    const query = (['session', 'command'] as const)
      .map((e) => {
        const path = `data.${ENTRYPOINTS[e].replaceAll('/', '.')}`;
        return `${e} := {name: d | some name, i in data.__portcullis_fixtures.${e}; d := ${path} with input as i}`;
      })
      .join('; ');
    const ignore = IGNORED_SOURCES.flatMap((p) => ['--ignore', p]);
    const output = await capture(opaPath, [
      'eval',
      '--format',
      'json',
      ...ignore,
      '-d',
      sourceDir,
      '-d',
      dataFile,
      query,
    ]);
    const parsed = JSON.parse(output) as { result?: { bindings: Record<string, Record<string, unknown>> }[] };
    const bindings = parsed.result?.[0]?.bindings;
    if (!bindings) throw new Error('opa eval returned no result for the fixtures');
    return new Map([...Object.entries(bindings.session ?? {}), ...Object.entries(bindings.command ?? {})]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function capture(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`opa eval failed (${code}): ${err}${out}`)),
    );
  });
}
