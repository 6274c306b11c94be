/**
 * The demo's database: a real PostgreSQL (the Debian/Ubuntu `postgresql`
 * package, or PORTCULLIS_PG_BINDIR) in `<dataDir>/demo-postgres`, on a free
 * loopback port, seeded once with tables whose rows carry PII — in columns
 * the demo policy masks and in free text the detectors find. Development
 * only: trust authentication on 127.0.0.1, no socket directory.
 */
import { chownSync, existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, initCluster, launchPostgres, postgresOwner } from '@portcullis/local-postgres';

export { findPostgresBinDir } from '@portcullis/local-postgres';

export interface DemoDatabase {
  readonly port: number;
  readonly database: string;
  readonly user: string;
  stop(): Promise<void>;
}

export const DEMO_DATABASE = 'demo';

const SEED = [
  `CREATE TABLE customers (
     id int PRIMARY KEY, name text NOT NULL, email text, ssn text, card_number text, note text)`,
  `INSERT INTO customers VALUES
     (1, 'Ada Lovelace', 'ada@example.com', '123-45-6789', '4111 1111 1111 1111', 'prefers email; card on file 4012888888881881'),
     (2, 'Alan Turing', 'alan@example.org', '987-65-4329', '5500 0000 0000 0004', 'call back at +1 415 555 0132'),
     (3, 'Grace Hopper', 'grace@example.net', '219-09-9999', '3400 0000 0000 009', 'VIP, SSN 078-05-1120 on the paper form')`,
  `CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers, item text, amount numeric)`,
  `INSERT INTO orders VALUES (1, 1, 'analytical engine', 1843.00), (2, 2, 'bombe', 1939.00), (3, 3, 'compiler', 1952.00)`,
  `CREATE TABLE sessions_log (id serial PRIMARY KEY, seen_at timestamptz DEFAULT now(), detail text)`,
  `INSERT INTO sessions_log (detail) VALUES ('old entry'), ('older entry')`,
];

/** Where the demo's cluster lives for this data directory (see startDemoDatabase). */
export function demoClusterDir(dataDir: string, asRoot = process.getuid?.() === 0): string {
  return asRoot
    ? join(
        tmpdir(),
        `portcullis-demo-postgres-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`,
      )
    : join(dataDir, 'demo-postgres');
}

export async function startDemoDatabase(dataDir: string, bin: string): Promise<DemoDatabase> {
  const owner = postgresOwner();
  // Run as root, the server runs as `postgres`, which may not reach into the
  // data directory (a home or temp directory of mode 0700): its cluster then
  // lives in the system temp directory, named after the data directory.
  const dir = demoClusterDir(dataDir, owner !== undefined);
  const fresh = !existsSync(join(dir, 'PG_VERSION'));
  if (fresh) {
    await mkdir(dir, { recursive: true });
    if (owner) chownSync(dir, owner.uid, owner.gid);
    await initCluster({ bin, dir, owner });
  }
  const server = await launchPostgres({ bin, dir, port: await freePort(), owner, logBytes: 4096 });
  try {
    if (fresh) await seed(server.port);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { port: server.port, database: DEMO_DATABASE, user: 'postgres', stop: () => server.stop() };
}

async function seed(port: number): Promise<void> {
  const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${DEMO_DATABASE}`);
  } finally {
    await admin.end();
  }
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: DEMO_DATABASE });
  await client.connect();
  try {
    for (const sql of SEED) await client.query(sql);
  } finally {
    await client.end();
  }
}
