import { execFileSync, spawn } from 'node:child_process';
import { chownSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort, postgresBinDir, type PostgresServer } from '@portcullis/test-support';

export interface Pgbouncer {
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * pgbouncer (the Debian package) in front of the same upstream, as the
 * peer a user would put there anyway. Session pooling: pgbouncer 1.18 in
 * transaction mode cannot carry pgbench's `-M prepared` (protocol-level
 * prepared statements arrived in 1.21), and session mode is what compares
 * with a proxy that keeps one upstream connection per client. No auth
 * (`any`): its cost is in connection start, which pgbench excludes.
 */
export async function startPgbouncer(upstream: PostgresServer, database: string): Promise<Pgbouncer> {
  // Its own directory, not under the bench's private temp dir: the `postgres` user must reach it.
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-bench-pgbouncer-'));
  const port = await freePort();
  const config = join(dir, 'pgbouncer.ini');
  writeFileSync(
    config,
    [
      '[databases]',
      `${database} = host=127.0.0.1 port=${upstream.port} dbname=postgres user=postgres`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = any',
      'pool_mode = session',
      'max_client_conn = 200',
      'default_pool_size = 64',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  // pgbouncer refuses to run as root, as PostgreSQL does: run it as the package's `postgres` user.
  const asRoot = process.getuid?.() === 0;
  const user = asRoot
    ? {
        uid: Number(execFileSync('id', ['-u', 'postgres']).toString()),
        gid: Number(execFileSync('id', ['-g', 'postgres']).toString()),
      }
    : undefined;
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(config, user.uid, user.gid);
  }
  const child = spawn('pgbouncer', [config], { stdio: ['ignore', 'ignore', 'pipe'], ...user });
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited during start:\n${log}`);
    try {
      execFileSync(join(postgresBinDir(), 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)]);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`pgbouncer did not listen on ${port}:\n${log}`);
      await delay(100);
    }
  }
  return {
    port,
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
