/**
 * A throwaway PostgreSQL server for tests and benchmarks: `initdb` in a temp
 * directory, `postgres` on a free port of 127.0.0.1, stopped and removed by
 * `stop()`. Uses the Debian packages (`postgresql`); set PORTCULLIS_PG_BINDIR
 * to point at another installation.
 *
 * PostgreSQL refuses to run as root, so when the tests run as root (CI does)
 * the server processes run as the `postgres` system user the package creates.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findPostgresBinDir,
  initCluster,
  launchPostgres,
  postgresOwner,
  type RunningPostgres,
} from '@portcullis/local-postgres';
import { freePort } from './free-port.js';

export interface PostgresServerOptions {
  /** Extra `-c name=value` server settings, e.g. `{ fsync: 'on' }`. */
  settings?: Record<string, string>;
  /** How long to wait for the server to accept connections. */
  startTimeoutMs?: number;
}

export interface PostgresServer extends AsyncDisposable {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** A connection URL for the `postgres` superuser (trust auth on loopback). */
  url(database?: string): string;
  /** The server's last 8 KiB of log output (stderr). */
  log(): string;
  /** Fast shutdown and start again on the same port and data directory. */
  restart(): Promise<void>;
  /** SIGSTOP every process of the server: it keeps its sockets open and answers nothing (a hung store). */
  freeze(): void;
  /** SIGCONT after `freeze`. */
  thaw(): void;
  /** CPU time (user + system, µs) the server's processes have used so far, from /proc (benchmarks). */
  cpuMicros(): number;
  stop(): Promise<void>;
}

/** Settings that make a test server quick to start and cheap to run. */
const TEST_DEFAULTS: Record<string, string> = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_connections: '100',
  shared_buffers: '64MB',
};

export function postgresBinDir(): string {
  const bin = findPostgresBinDir();
  if (bin) return bin;
  throw new Error(
    'PostgreSQL server binaries not found: install the Debian package `postgresql` or set PORTCULLIS_PG_BINDIR',
  );
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
// No SIGTERM handler on purpose: the runner ends a file that overran its time
// with SIGTERM, and a JS handler would make a file whose main thread is stuck
// (a native deadlock, as in Node 20's JWK export) impossible to end that way.

export async function startPostgres(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const owner = postgresOwner();
  const dataDir = await mkdtemp(join(tmpdir(), 'portcullis-pg-'));
  if (owner) chownSync(dataDir, owner.uid, owner.gid);
  await initCluster({ bin, dir: dataDir, owner, noSync: true });

  const port = await freePort();
  const settings = { ...TEST_DEFAULTS, ...options.settings };
  const launch = async (): Promise<RunningPostgres> => {
    const server = await launchPostgres({
      bin,
      dir: dataDir,
      port,
      owner,
      settings,
      startTimeoutMs: options.startTimeoutMs,
    });
    running.add(server.child);
    server.exited.then(
      () => running.delete(server.child),
      () => undefined,
    );
    return server;
  };
  let server = await launch();

  /** Every process of the server: the postmaster first, then its children. */
  const processes = (): number[] => {
    const pid = server.child.pid!;
    let children: number[] = [];
    try {
      children = execFileSync('pgrep', ['-P', String(pid)])
        .toString()
        .split('\n')
        .filter(Boolean)
        .map(Number);
    } catch {
      // pgrep exits 1 when there are none
    }
    return [pid, ...children];
  };

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const pid of processes().reverse()) signal(pid, 'SIGCONT'); // a frozen server cannot shut down
    await server.stop(); // fast shutdown: roll back open transactions, exit
    await rm(dataDir, { recursive: true, force: true });
  };
  return {
    host: '127.0.0.1',
    port,
    dataDir,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    log: () => server.log(),
    async restart() {
      await server.stop();
      server = await launch();
    },
    freeze() {
      const pids = processes();
      signal(pids[0]!, 'SIGSTOP'); // the postmaster first, so it starts no new backend
      for (const pid of pids.slice(1)) signal(pid, 'SIGSTOP');
    },
    thaw() {
      const pids = processes();
      for (const pid of pids.slice(1)) signal(pid, 'SIGCONT');
      signal(pids[0]!, 'SIGCONT');
    },
    cpuMicros() {
      // Backends that exited are counted in the postmaster's cutime/cstime.
      return processes().reduce((sum, pid) => sum + processCpuMicros(pid, pid === server.child.pid), 0);
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime+stime (and, with `children`, the reaped children's) of a process, in µs; 0 when it is gone. */
function processCpuMicros(pid: number, children: boolean): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at ") ".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]));
    const ticks = utime! + stime! + (children ? cutime! + cstime! : 0);
    return (ticks * 1_000_000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}
