import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { tempDir, type TempDir } from './temp-dir.js';

export const RSYSLOGD = '/usr/sbin/rsyslogd';
/** rsyslog's GnuTLS network stream driver (Debian's package rsyslog-gnutls). */
export const RSYSLOG_GTLS = '/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so';

export interface RsyslogTlsOptions {
  /** PEM: the CA that client certificates must chain to (and rsyslog's own chain). */
  readonly caFile: string;
  /** PEM: rsyslog's server certificate and key. */
  readonly certFile: string;
  readonly keyFile: string;
  /**
   * `anon`: any client; `x509/certvalid` (the default): only clients presenting a
   * certificate signed by `caFile` get through the handshake.
   */
  readonly authMode?: 'anon' | 'x509/certvalid';
}

export interface RsyslogOptions {
  /** RFC 5425: imtcp behind rsyslog's gtls driver (TLS only on the port). */
  readonly tls?: RsyslogTlsOptions;
}

export interface RsyslogServer {
  readonly port: number;
  /** Where every message received is written, one per line, as received (%rawmsg%). */
  readonly outFile: string;
  /** The lines received so far. */
  lines(): Promise<string[]>;
  /** Stops the daemon (SIGTERM, then SIGKILL after 10 s); `start` brings it back on the same port and file. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  remove(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * A real rsyslogd (Debian's), unprivileged, in a temp dir with its own
 * config: imtcp on 127.0.0.1 (octet-counted framing, RFC 6587) and omfile
 * writing each message as received to a file. With `tls`, imtcp speaks TLS
 * only (rsyslog's gtls driver, mode 1) and, by default, requires a client
 * certificate signed by `tls.caFile`.
 */
export async function startRsyslog(options: RsyslogOptions = {}): Promise<RsyslogServer> {
  if (!existsSync(RSYSLOGD)) throw new Error(`${RSYSLOGD} not found: install the Debian package rsyslog`);
  const { tls } = options;
  if (tls && !existsSync(RSYSLOG_GTLS))
    throw new Error(`${RSYSLOG_GTLS} not found: install the Debian package rsyslog-gnutls`);
  const dir: TempDir = await tempDir('portcullis-rsyslog-');
  const port = await freePort();
  const outFile = join(dir.path, 'received.log');
  const conf = join(dir.path, 'rsyslog.conf');
  await mkdir(join(dir.path, 'work'));
  await writeFile(
    conf,
    [
      `global(workDirectory="${join(dir.path, 'work')}" maxMessageSize="256k"${
        tls
          ? ` defaultNetstreamDriver="gtls" defaultNetstreamDriverCAFile="${tls.caFile}"` +
            ` defaultNetstreamDriverCertFile="${tls.certFile}" defaultNetstreamDriverKeyFile="${tls.keyFile}"`
          : ''
      })`,
      tls
        ? `module(load="imtcp" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="${tls.authMode ?? 'x509/certvalid'}")`
        : 'module(load="imtcp")',
      `input(type="imtcp" port="${port}" address="127.0.0.1")`,
      'template(name="raw" type="string" string="%rawmsg%\\n")',
      `action(type="omfile" file="${outFile}" template="raw")`,
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  let log = '';

  const start = async () => {
    const pidFile = join(dir.path, 'rsyslogd.pid');
    await rm(pidFile, { force: true });
    const c = spawn(RSYSLOGD, ['-n', '-f', conf, '-i', pidFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(c);
    c.once('exit', () => running.delete(c));
    c.stdout!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4096)));
    c.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4096)));
    child = c;
    const deadline = Date.now() + 15_000;
    while (!(await accepts(port))) {
      if (c.exitCode !== null || Date.now() > deadline) {
        c.kill('SIGKILL');
        throw new Error(`rsyslogd did not start:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return {
    port,
    outFile,
    lines: async () =>
      existsSync(outFile) ? (await readFile(outFile, 'utf8')).split('\n').filter(Boolean) : [],
    stop,
    start,
    remove: async () => {
      await stop();
      await dir.remove();
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
