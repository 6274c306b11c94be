/**
 * Builds small wasm bundles with the real `opa` for the int tests, so every
 * fail-closed path is exercised by a real compiled policy, not a stub.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { findOpaBinary } from '../tooling/opa-binary.js';

const run = promisify(execFile);

export const SHIPPED_BUNDLE = new URL('../../../../policies-rego/dist/bundle.tar.gz', import.meta.url)
  .pathname;
export const POLICIES_DIR = new URL('../../../../policies-rego/', import.meta.url).pathname;

/**
 * A policy whose command decision misbehaves on request: command text
 * "bad-shape" returns a decision violating the schema, "undefined" returns
 * nothing, "error" hits a conflict error at evaluation time. Anything else is
 * allowed, with mask_derived taken from data so tests can tell bundles apart.
 */
export const MISBEHAVING_POLICY = {
  'portcullis/command/decision.rego': `package portcullis.command

ok := {"allow": true, "deny": [], "review": {"required": false, "approver_groups": [], "ttl_seconds": 60, "min_approvals": 1}, "mask": [], "mask_derived": data.derived}

special if input.command.text in {"bad-shape", "error", "undefined"}

decision := ok if not special

decision := {"allow": "yes"} if input.command.text == "bad-shape"

decision := conflict if input.command.text == "error"

conflict := 1 if input.command.text == "error"

conflict := 2 if input.command.text == "error"
`,
  'portcullis/session/decision.rego': `package portcullis.session

import data.portcullis.command

decision := object.remove(command.ok, ["mask_derived"])
`,
};

export interface TestBundleOptions {
  dir: string;
  files: Record<string, string>;
  data?: unknown;
  entrypoints?: string[];
  revision?: string;
  signingKeyFile?: string;
  output?: string;
}

export async function buildTestBundle(options: TestBundleOptions): Promise<string> {
  const src = join(options.dir, 'src');
  for (const [name, content] of Object.entries(options.files)) {
    await mkdir(dirname(join(src, name)), { recursive: true });
    await writeFile(join(src, name), content);
  }
  await writeFile(join(src, 'data.json'), JSON.stringify(options.data ?? { derived: 'mask' }));
  const output = options.output ?? join(options.dir, 'bundle.tar.gz');
  const entrypoints = options.entrypoints ?? ['portcullis/session/decision', 'portcullis/command/decision'];
  await run(
    findOpaBinary(),
    [
      'build',
      '-t',
      'wasm',
      ...entrypoints.flatMap((e) => ['-e', e]),
      '--revision',
      options.revision ?? 'test',
      // opa signs only in bundle mode (-b).
      ...(options.signingKeyFile ? ['-b', '--signing-key', options.signingKeyFile] : []),
      '-o',
      output,
      '.',
    ],
    { cwd: src },
  );
  return output;
}
