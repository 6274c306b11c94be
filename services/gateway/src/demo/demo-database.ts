/**
 * The demo's database: a real PostgreSQL (the Debian/Ubuntu `postgresql`
 * package, or PORTCULLIS_PG_BINDIR) in `<dataDir>/demo-postgres`, on a free
 * loopback port, seeded once with tables whose rows carry PII — in columns
 * the demo policy masks and in free text the detectors find. Development
 * only: trust authentication on 127.0.0.1, no socket directory.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

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

/** The PostgreSQL server binaries, or undefined when none are installed. */
export function findPostgresBinaries(): string | undefined {
  const configured = process.env.PORTCULLIS_PG_BINDIR;
  if (configured) return configured;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : undefined;
}

/** PostgreSQL refuses to run as root: run it as the `postgres` user then. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

export async function startDemoDatabase(dataDir: string, bin: string): Promise<DemoDatabase> {
  const user = runAs();
  // Run as root, the server runs as `postgres`, which may not reach into the
  // data directory (a home or temp directory of mode 0700): its cluster then
  // lives in the system temp directory, named after the data directory.
  const dir = demoClusterDir(dataDir, user !== undefined);
  const fresh = !existsSync(join(dir, 'PG_VERSION'));
  if (fresh) {
    await mkdir(dir, { recursive: true });
    if (user) chownSync(dir, user.uid, user.gid);
    await promisify(execFile)(
      join(bin, 'initdb'),
      ['-D', dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions'],
      { timeout: 120_000, ...user },
    );
  }
  const port = await freePort();
  // prettier-ignore
  const args = ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
  const child: ChildProcess = spawn(join(bin, 'postgres'), args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...user,
  });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4096)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGINT');
    await exited;
  };
  try {
    await waitUntilReady(port, child, () => log);
    if (fresh) await seed(port);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, database: DEMO_DATABASE, user: 'postgres', stop };
}

async function waitUntilReady(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the demo database did not start:\n${log()}`);
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`the demo database did not accept connections:\n${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
