import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { tempDir } from './temp-dir.js';

export interface SshdServerOptions {
  /** Public key lines (`ssh-ed25519 AAAA…`) allowed to log in. */
  readonly authorizedKeys: readonly string[];
  /** More sshd_config lines (e.g. `AcceptEnv LANG LC_*`). */
  readonly extraConfig?: readonly string[];
  /** A user CA public key line sshd trusts for user certificates (`TrustedUserCAKeys`). */
  readonly trustedUserCaKey?: string;
  /** sshd's LogLevel (default ERROR); INFO logs each accepted key, a certificate's key id and serial. */
  readonly logLevel?: 'ERROR' | 'INFO' | 'VERBOSE';
}

export interface SshdServer {
  readonly host: string;
  readonly port: number;
  /** The user to log in as (the current user: sshd runs as it). */
  readonly user: string;
  /** The server's ed25519 host public key line, as known_hosts holds it. */
  readonly hostPublicKey: string;
  readonly dir: string;
  /** What sshd wrote to stderr so far (its log, `-e`). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * A real OpenSSH server (packages openssh-server, openssh-client) on a free
 * loopback port: its own host key, its own sshd_config in a temp dir, public
 * key authentication only, against a temp authorized_keys file.
 */
export async function startSshd(options: SshdServerOptions): Promise<SshdServer> {
  const dir = await tempDir('portcullis-sshd-');
  const hostKeyFile = join(dir.path, 'ssh_host_ed25519_key');
  await promisify(execFile)('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'test-sshd',
    '-f',
    hostKeyFile,
  ]);
  const authorizedKeys = join(dir.path, 'authorized_keys');
  await writeFile(authorizedKeys, options.authorizedKeys.join('\n') + '\n', { mode: 0o600 });
  const port = await freePort();
  const config = join(dir.path, 'sshd_config');
  const home = join(dir.path, 'home');
  await mkdir(home, { recursive: true });
  const trustedCa = join(dir.path, 'trusted_user_ca_keys');
  if (options.trustedUserCaKey) await writeFile(trustedCa, options.trustedUserCaKey + '\n', { mode: 0o600 });
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKeyFile}`,
      `PidFile ${join(dir.path, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'AllowTcpForwarding no',
      'X11Forwarding no',
      `LogLevel ${options.logLevel ?? 'ERROR'}`,
      // Sessions get an empty HOME of their own: the account's dotfiles (a shell rc that
      // rehashes pyenv under a lock, say) must not slow down or stall a test's shell.
      `SetEnv HOME=${home}`,
      ...(options.trustedUserCaKey ? [`TrustedUserCAKeys ${trustedCa}`] : []),
      ...(options.extraConfig ?? []),
      '',
    ].join('\n'),
  );
  // Privilege separation wants this directory when sshd runs as root.
  if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const child: ChildProcess = spawn(findSshd(), ['-D', '-e', '-f', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, delay(3_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await dir.remove();
  };
  try {
    await waitForPort(
      port,
      () => child.exitCode !== null,
      () => stderr,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const hostPublicKey = (await readFile(`${hostKeyFile}.pub`, 'utf8')).trim();
  const user =
    process.env.USER ??
    (process.getuid?.() === 0 ? 'root' : (await promisify(execFile)('id', ['-un'])).stdout.trim());
  return { host: '127.0.0.1', port, user, hostPublicKey, dir: dir.path, log: () => stderr, stop };
}

function findSshd(): string {
  return process.env.PORTCULLIS_SSHD ?? '/usr/sbin/sshd'; // sshd refuses a relative path
}

async function waitForPort(port: number, exited: () => boolean, stderr: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (exited()) throw new Error(`sshd exited: ${stderr()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await delay(50);
  }
  throw new Error(`sshd did not listen on ${port}: ${stderr()}`);
}

/**
 * OpenSSH client options for tests that reach the SSH proxy with a token as
 * the password (through sshpass): no host key pinning for throwaway keys,
 * no keys from the user's ~/.ssh, only the password methods, quiet.
 */
export const OPENSSH_TOKEN_OPTIONS: readonly string[] = [
  '-o',
  'StrictHostKeyChecking=no',
  '-o',
  'UserKnownHostsFile=/dev/null',
  '-o',
  'PubkeyAuthentication=no',
  '-o',
  'PreferredAuthentications=password,keyboard-interactive',
  '-o',
  'LogLevel=ERROR',
];
