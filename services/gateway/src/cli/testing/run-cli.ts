import { PassThrough } from 'node:stream';
import { main } from '../main.js';

/** Runs the `portcullis` command in this process (tests) and collects what it writes. */
export async function runCli(
  args: readonly string[],
): Promise<{ status: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const status = await main(['node', 'portcullis', ...args], { stdout, stderr });
  return { status, stdout: out, stderr: err };
}
