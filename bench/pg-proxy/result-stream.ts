import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { postgresBinDir } from '@portcullis/test-support';
import { run } from './pgbench-run.js';

export const STREAM_ROWS = Number(process.env.BENCH_STREAM_ROWS ?? 1_000_000);

/**
 * Two tables with the same 1,000,000 rows. The shipped policy data masks
 * `public.users.email` (partial), `.phone` (partial) and `.ssn` (hash), so a
 * SELECT of `public.users` asks for three masked columns; `public.customers`
 * has no masking rule and is the unmasked twin. No value looks like a card
 * number, so the credit-card detector finds nothing in either.
 */
export function streamTablesSql(rows: number): string[] {
  const columns = `id int PRIMARY KEY, name text, email text, phone text, ssn text, created_at timestamptz`;
  const fill = (table: string) =>
    `INSERT INTO ${table} SELECT i, 'Agent ' || i, 'agent' || i || '@example.com', '+1-555-' || lpad((i % 10000)::text, 4, '0'), lpad((i % 1000)::text, 3, '0') || '-' || lpad((i % 100)::text, 2, '0') || '-' || lpad((i % 10000)::text, 4, '0'), timestamptz '2026-01-01' + i * interval '1 second' FROM generate_series(1, ${rows}) AS i`;
  return [
    `CREATE TABLE public.users (${columns})`,
    `CREATE TABLE public.customers (${columns})`,
    fill('public.users'),
    fill('public.customers'),
    'VACUUM ANALYZE public.users',
    'VACUUM ANALYZE public.customers',
  ];
}

export const UNMASKED_STREAM = 'SELECT id, name, email, phone, ssn, created_at FROM public.customers';
/**
 * The masked variant: the same rows from the table whose three columns the
 * policy masks. Until the proxy applies `mask` decisions (result masking
 * is being added in libs/pg-proxy/src/proxy), rows come back unmasked and
 * the report says so: `maskingApplied` checks one row against the server.
 */
export const MASKED_STREAM = 'SELECT id, name, email, phone, ssn, created_at FROM public.users';
export const MASK_PROBE = 'SELECT email, phone, ssn FROM public.users WHERE id = 42';

export interface StreamConnection {
  readonly port: number;
  readonly database: string;
  readonly password: string;
}

/** psql reads the whole result (rows parsed and formatted in C) and writes it to /dev/null. */
export async function streamSeconds(connection: StreamConnection, sql: string): Promise<number> {
  const started = performance.now();
  await psql(connection, sql, '/dev/null');
  return (performance.now() - started) / 1000;
}

/** Each statement its own `-c`: psql runs one `-c` as one transaction, and VACUUM refuses that. */
/** Returns what psql printed, unless `output` names a file to print to instead. */
export function psql(connection: StreamConnection, sql: string | string[], output?: string): Promise<string> {
  return run(
    join(postgresBinDir(), 'psql'),
    [
      `host=127.0.0.1 port=${connection.port} dbname=${connection.database} user=postgres sslmode=disable`,
      '-X',
      '-w',
      '-At',
      '-v',
      'ON_ERROR_STOP=1',
      ...(output ? ['-o', output] : []),
      ...[sql].flat().flatMap((statement) => ['-c', statement]),
    ],
    { ...process.env, PGPASSWORD: connection.password },
  );
}
