import { spawn } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { postgresBinDir } from '@portcullis/test-support';

/** Where pgbench connects: one of the three paths under comparison. */
export interface PgbenchEndpoint {
  readonly name: 'direct' | 'pgbouncer' | 'portcullis';
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** PGPASSWORD: the OIDC access token for Portcullis, empty otherwise. */
  readonly password: string;
}

export type Workload = 'select-only' | 'tpcb-like';
export type QueryMode = 'simple' | 'prepared';

export interface PgbenchCell {
  readonly transactions: number;
  readonly failed: number;
  readonly tps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/**
 * Runs one pgbench cell with per-transaction logs (`--log`), so p99 comes
 * from every transaction's latency rather than pgbench's per-interval
 * aggregates. pgbench runs as a child process: the proxy lives in this
 * process and its event loop must stay free while pgbench runs.
 */
export async function runPgbench(
  endpoint: PgbenchEndpoint,
  options: { workload: Workload; mode: QueryMode; clients: number; seconds: number; logDir: string },
): Promise<PgbenchCell> {
  const prefix = join(
    options.logDir,
    `${endpoint.name}-${options.workload}-${options.mode}-${options.clients}`,
  );
  // prettier-ignore
  const args = [
    '-h', '127.0.0.1',
    '-p', String(endpoint.port),
    '-U', endpoint.user,
    '-n', // no VACUUM before the run: the harness vacuums upstream itself, and VACUUM is not the workload
    '-c', String(options.clients),
    // Two cores on the bench machines: more pgbench threads only steal CPU from the server and the proxy.
    '-j', String(Math.min(options.clients, 2)),
    '-T', String(options.seconds),
    '-M', options.mode,
    '--log', `--log-prefix=${prefix}`,
    ...(options.workload === 'select-only' ? ['-S'] : []),
    endpoint.database,
  ];
  const output = await run(join(postgresBinDir(), 'pgbench'), args, {
    ...process.env,
    PGPASSWORD: endpoint.password,
    PGSSLMODE: 'disable',
  });
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(output);
  const failed = /number of failed transactions: (\d+)/.exec(output);
  if (!tps) throw new Error(`pgbench printed no tps for ${endpoint.name}:\n${output}`);
  const latencies = await readTransactionLatencies(options.logDir, prefix);
  return {
    transactions: latencies.length,
    failed: failed ? Number(failed[1]) : 0,
    tps: Number(tps[1]),
    p50Ms: percentile(latencies, 0.5) / 1000,
    p99Ms: percentile(latencies, 0.99) / 1000,
  };
}

/** Log lines are `client_id transaction_no time_us script_no epoch epoch_us`, one file per thread. */
async function readTransactionLatencies(dir: string, prefix: string): Promise<Float64Array> {
  const base = prefix.slice(dir.length + 1);
  const files = (await readdir(dir)).filter((f) => f.startsWith(`${base}.`));
  const values: number[] = [];
  for (const file of files) {
    const text = await readFile(join(dir, file), 'utf8');
    for (const line of text.split('\n')) {
      const latency = line.split(' ')[2];
      // A failed or skipped transaction logs `failed`/`skipped` instead of a time.
      if (latency !== undefined && /^\d+$/.test(latency)) values.push(Number(latency));
    }
    await rm(join(dir, file));
  }
  return Float64Array.from(values).sort();
}

const percentile = (sorted: Float64Array, p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

export function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} exited ${code}:\n${output.slice(-4000)}`)),
    );
  });
}
