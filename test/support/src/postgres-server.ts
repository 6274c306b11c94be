/**
 * A throwaway PostgreSQL server for tests and benchmarks: `initdb` in a temp
 * directory, `postgres` on a free port of 127.0.0.1, stopped and removed by
 * `stop()`. Uses the Debian packages (`postgresql`); set PORTCULLIS_PG_BINDIR
 * to point at another installation.
 *
 * PostgreSQL refuses to run as root, so when the tests run as root (CI does)
 * the server processes run as the `postgres` system user the package creates.
 */
import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { chownSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

const execFileAsync = promisify(execFile);

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
  const configured = process.env.PORTCULLIS_PG_BINDIR;
  if (configured) return configured;
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(base, versions[0], 'bin');
  }
  throw new Error(
    'PostgreSQL server binaries not found: install the Debian package `postgresql` or set PORTCULLIS_PG_BINDIR',
  );
}

function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
// No SIGTERM handler on purpose: the runner ends a file that overran its time
// with SIGTERM, and a JS handler would make a file whose main thread is stuck
// (a native deadlock, as in Node 20's JWK export) impossible to end that way.

/** How long a fast shutdown may take before the server is killed (a stuck backend must not hang a test). */
const STOP_TIMEOUT_MS = 15_000;

export async function startPostgres(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const user = runAs();
  const dataDir = await mkdtemp(join(tmpdir(), 'portcullis-pg-'));
  if (user) chownSync(dataDir, user.uid, user.gid);
  execFileSync(
    join(bin, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'],
    { stdio: 'pipe', timeout: 120_000, ...user },
  );

  const port = await freePort();
  const settings = { ...TEST_DEFAULTS, ...options.settings };
  const args = [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
  ];
  for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
  let log = '';
  const launch = async () => {
    const child = spawn(join(bin, 'postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], ...user });
    running.add(child);
    child.stderr?.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-8192);
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    exited.then(
      () => running.delete(child),
      () => undefined,
    );
    await waitUntilReady(
      bin,
      port,
      options.startTimeoutMs ?? 30_000,
      () => child.exitCode !== null,
      () => log,
    );
    return { child, exited };
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
    server.child.kill('SIGINT'); // fast shutdown: roll back open transactions, exit
    await exitedWithin(server, STOP_TIMEOUT_MS);
    await rm(dataDir, { recursive: true, force: true });
  };
  return {
    host: '127.0.0.1',
    port,
    dataDir,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    log: () => log,
    async restart() {
      server.child.kill('SIGINT');
      await exitedWithin(server, STOP_TIMEOUT_MS);
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

/** Waits for the postmaster to exit; past `timeoutMs` it is killed (SIGKILL) and waited for. */
async function exitedWithin(server: { child: ChildProcess; exited: Promise<void> }, timeoutMs: number) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
  const outcome = await Promise.race([server.exited, late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    server.child.kill('SIGKILL');
    await server.exited;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

async function waitUntilReady(
  bin: string,
  port: number,
  timeoutMs: number,
  hasExited: () => boolean,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error(`postgres exited during start:\n${log()}`);
    try {
      // Asynchronous: a test that restarts a server under load keeps its own event loop (and its timings) free.
      await execFileAsync(join(bin, 'pg_isready'), ['-q', '-t', '3', '-h', '127.0.0.1', '-p', String(port)], {
        timeout: 10_000,
      });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(
    `postgres did not accept connections on 127.0.0.1:${port} within ${timeoutMs} ms:\n${log()}`,
  );
}
