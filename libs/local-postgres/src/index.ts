/**
 * A local PostgreSQL cluster from the installed server binaries: find them,
 * `initdb` a directory, start `postgres` on a loopback port, wait until it
 * accepts connections, stop it within a bound. PostgreSQL refuses to run as
 * root, so as root the server runs as the `postgres` system user.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The server binaries' directory (PORTCULLIS_PG_BINDIR, else the newest under /usr/lib/postgresql), or undefined. */
export function findPostgresBinDir(): string | undefined {
  const configured = process.env.PORTCULLIS_PG_BINDIR;
  if (configured) return configured;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')) && existsSync(join(base, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : undefined;
}

export interface ProcessOwner {
  uid: number;
  gid: number;
}

/** Who the server processes run as: the `postgres` system user when we are root, else ourselves (undefined). */
export function postgresOwner(): ProcessOwner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

export interface InitClusterOptions {
  bin: string;
  dir: string;
  owner?: ProcessOwner;
  /** Skip initdb's fsync of the new files (throwaway clusters). */
  noSync?: boolean;
}

/** `initdb` with a `postgres` superuser, trust authentication and UTF-8 (loopback only; see launchPostgres). */
export async function initCluster(options: InitClusterOptions): Promise<void> {
  const args = ['-D', options.dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions'];
  if (options.noSync) args.push('--no-sync');
  await execFileAsync(join(options.bin, 'initdb'), args, { timeout: 120_000, ...options.owner });
}

export interface LaunchOptions {
  bin: string;
  dir: string;
  port: number;
  owner?: ProcessOwner;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string>;
  /** How long to wait for connections (default 30 s). */
  startTimeoutMs?: number;
  /** How much of the server's stderr to keep (default 8 KiB). */
  logBytes?: number;
}

export interface RunningPostgres {
  readonly port: number;
  readonly child: ChildProcess;
  /** Resolves when the postmaster has exited. */
  readonly exited: Promise<void>;
  /** The tail of the server's stderr. */
  log(): string;
  /** Fast shutdown (SIGINT); past `timeoutMs` the postmaster is killed (SIGKILL). */
  stop(timeoutMs?: number): Promise<void>;
}

/** How long a fast shutdown may take before the server is killed: a stuck backend must not hang its caller. */
export const STOP_TIMEOUT_MS = 15_000;

/**
 * Starts `postgres` on 127.0.0.1:`port` with no Unix socket directory and
 * waits until `pg_isready` answers; if it exits or stays silent past the
 * start bound, it is stopped and the error carries its log.
 */
export async function launchPostgres(options: LaunchOptions): Promise<RunningPostgres> {
  const args = ['-D', options.dir, '-p', String(options.port)];
  const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: '', ...options.settings };
  for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
  const child = spawn(join(options.bin, 'postgres'), args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...options.owner,
  });
  const keep = options.logBytes ?? 8192;
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-keep)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (timeoutMs = STOP_TIMEOUT_MS) => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
    const outcome = await Promise.race([exited, late]);
    clearTimeout(timer);
    if (outcome === 'late') {
      child.kill('SIGKILL');
      await exited;
    }
  };
  const running: RunningPostgres = { port: options.port, child, exited, log: () => log, stop };
  try {
    await waitUntilReady(
      options,
      () => child.exitCode !== null || child.signalCode !== null,
      () => log,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return running;
}

async function waitUntilReady(
  options: LaunchOptions,
  hasExited: () => boolean,
  log: () => string,
): Promise<void> {
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error(`postgres exited during start:\n${log()}`);
    try {
      // Asynchronous: a caller that restarts a server under load keeps its own event loop free.
      await execFileAsync(
        join(options.bin, 'pg_isready'),
        ['-q', '-t', '3', '-h', '127.0.0.1', '-p', String(options.port)],
        { timeout: 10_000 },
      );
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(
    `postgres did not accept connections on 127.0.0.1:${options.port} within ${timeoutMs} ms:\n${log()}`,
  );
}

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the address of a probe listener'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}
