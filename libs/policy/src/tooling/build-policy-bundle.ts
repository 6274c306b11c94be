import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { type Writable } from 'node:stream';
import { ENTRYPOINTS } from '../engine/compiled-policy.js';
import { findOpaBinary } from './opa-binary.js';

export interface BuildPolicyBundleOptions {
  /** Directory of Rego sources and data.json files (policies-rego/src). */
  sourceDir: string;
  /** The tar.gz to write. */
  outputFile: string;
  /** Capabilities file limiting builtins to what the wasm host provides. */
  capabilitiesFile: string;
  /** Defaults to a digest of the sources, so equal sources give equal revisions. */
  revision?: string;
  opaPath?: string;
  stdout: Writable;
  stderr: Writable;
}

/** Test files and test helpers stay out of the shipped bundle. */
export const IGNORED_SOURCES = ['*_test.rego', 'testing'];

/** Runs `opa build -t wasm` with both entrypoints. Returns the exit code; never exits the process. */
export async function buildPolicyBundle(
  options: BuildPolicyBundleOptions,
): Promise<{ exitCode: number; revision: string }> {
  const revision = options.revision ?? (await sourceRevision(options.sourceDir));
  const args = [
    'build',
    '--target',
    'wasm',
    ...Object.values(ENTRYPOINTS).flatMap((e) => ['--entrypoint', e]),
    '--capabilities',
    resolve(options.capabilitiesFile),
    ...IGNORED_SOURCES.flatMap((pattern) => ['--ignore', pattern]),
    '--revision',
    revision,
    '--output',
    resolve(options.outputFile),
    // Built from inside the source directory so the Rego files in the bundle
    // carry checkout-independent paths and the bundle is reproducible.
    '.',
  ];
  const exitCode = await run(
    options.opaPath ?? findOpaBinary(),
    args,
    options.stdout,
    options.stderr,
    options.sourceDir,
  );
  if (exitCode === 0) options.stdout.write(`built ${options.outputFile} (revision ${revision})\n`);
  return { exitCode, revision };
}

/** "src-" plus the first 16 hex digits of a SHA-256 over every shipped source file, by path. */
export async function sourceRevision(sourceDir: string): Promise<string> {
  const hash = createHash('sha256');
  const entries = await readdir(sourceDir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((path) => !path.endsWith('_test.rego') && !path.split(sep).includes('testing'))
    .sort();
  for (const path of files) {
    hash.update(relative(sourceDir, path).split(sep).join('/')).update('\0');
    hash.update(await readFile(path)).update('\0');
  }
  return `src-${hash.digest('hex').slice(0, 16)}`;
}

export function run(
  command: string,
  args: string[],
  stdout: Writable,
  stderr: Writable,
  cwd?: string,
): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => stdout.write(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.write(chunk));
    child.on('error', (error) => {
      stderr.write(`${command}: ${error.message}\n`);
      resolve(127);
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
}
