/**
 * The SSH proxy (issue 7) against the same OpenSSH sshd, direct and through
 * Portcullis (token auth, policy on the command, strict write-ahead audit
 * into a pglite store), in one run:
 *
 *   bulk exec     `head -c 200M /dev/zero` over exec (no pty): bytes/s. Exec
 *                 output without a pty is not recorded (its command line is
 *                 its record), so this is the proxy's relay cost.
 *   bulk pty      `seq 2500000` (about 19 MB of text) over exec with a pty:
 *                 recorded as OutputRecorded batches (32 KiB / 100 ms) in the store.
 *   echo latency  a shell with a pty: one key sent, time until its echo
 *                 arrives (then erased with a backspace), p50/p99 over N keys.
 *                 Through the proxy the echo is recorded too.
 *
 *   npx tsc -b bench && node bench/dist/ssh-proxy/ssh-proxy.bench.js
 *
 * BENCH_BULK_MB (default 200), BENCH_PTY_LINES (2500000), BENCH_KEYS (300),
 * BENCH_REPEATS (3, best of). Needs openssh-server. Prints a table and
 * writes bench/results/ssh-proxy.json.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { openSqlEventStore } from '@portcullis/eventstore';
import { createTokenVerifier } from '@portcullis/identity';
import { PolicyEngine } from '@portcullis/policy';
import { generateEd25519OpenSshKey, publicKeyLine, startSshProxy } from '@portcullis/ssh-proxy';
import { grantingPolicyBundle, startOidcProvider, startSshd, tempDir } from '@portcullis/test-support';

const BULK_MB = Number(process.env.BENCH_BULK_MB ?? 200);
const PTY_LINES = Number(process.env.BENCH_PTY_LINES ?? 2_500_000);
const KEYS = Number(process.env.BENCH_KEYS ?? 300);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

type Connect = () => Promise<ssh2.Client>;

function connectWith(config: ssh2.ConnectConfig): Connect {
  return () =>
    new Promise((resolve, reject) => {
      const client = new ssh2.Client();
      client.once('ready', () => resolve(client));
      client.once('error', reject);
      client.connect({ readyTimeout: 30_000, ...config });
    });
}

/** Seconds to receive all of `command`'s output, and how many bytes came. */
async function bulk(
  connect: Connect,
  command: string,
  pty: boolean,
): Promise<{ seconds: number; bytes: number }> {
  const client = await connect();
  try {
    const started = process.hrtime.bigint();
    const bytes = await new Promise<number>((resolve, reject) =>
      client.exec(command, pty ? { pty: { cols: 80, rows: 24 } } : {}, (error, stream) => {
        if (error) return reject(error);
        let n = 0;
        stream.on('data', (c: Buffer) => (n += c.length));
        stream.stderr.on('data', () => undefined);
        stream.on('close', () => resolve(n));
      }),
    );
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, bytes };
  } finally {
    client.end();
  }
}

/** The same with OpenSSH's `ssh` (what agents run), output counted from its stdout. */
async function bulkOpenSsh(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ seconds: number; bytes: number }> {
  const started = process.hrtime.bigint();
  const child = spawn(args[0] as string, args.slice(1), { env, stdio: ['ignore', 'pipe', 'ignore'] });
  let bytes = 0;
  child.stdout.on('data', (c: Buffer) => (bytes += c.length));
  await new Promise((resolve) => child.on('close', resolve));
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, bytes };
}

/** Keystroke echo round trips in an interactive shell, in milliseconds. */
async function echoLatencies(connect: Connect, keys: number): Promise<number[]> {
  const client = await connect();
  try {
    const stream = await new Promise<ssh2.ClientChannel>((resolve, reject) =>
      client.shell({ term: 'dumb', cols: 80, rows: 24 }, (e, s) => (e ? reject(e) : resolve(s))),
    );
    let seen = '';
    let waiter: (() => void) | undefined;
    let wanted = '';
    stream.on('data', (c: Buffer) => {
      seen += c.toString('latin1');
      if (waiter && seen.includes(wanted)) {
        const done = waiter;
        waiter = undefined;
        done();
      }
    });
    const waitFor = (text: string) =>
      new Promise<void>((resolve) => {
        if (seen.includes(text)) return resolve();
        wanted = text;
        waiter = resolve;
      });
    await new Promise((r) => setTimeout(r, 1000)); // the prompt and motd
    const samples: number[] = [];
    for (let i = 0; i < keys; i++) {
      seen = '';
      const started = process.hrtime.bigint();
      stream.write('x');
      await waitFor('x');
      samples.push(Number(process.hrtime.bigint() - started) / 1e6);
      seen = '';
      stream.write('\x7f');
      await waitFor('\b');
    }
    stream.write('\x15exit\r');
    return samples;
  } finally {
    client.end();
  }
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
};

async function main(): Promise<void> {
  const dir = await tempDir('portcullis-bench-ssh-');
  const upstreamKey = generateEd25519OpenSshKey('bench');
  const sshd = await startSshd({ authorizedKeys: [publicKeyLine(upstreamKey)] });
  const oidc = await startOidcProvider({ clients: [{ clientId: 'bench-agent' }] });
  const opened = await openSqlEventStore({ kind: 'pglite', dataDir: join(dir.path, 'store') });
  try {
    const policy = await PolicyEngine.load(
      await grantingPolicyBundle(dir.path, {
        issuer: oidc.issuer,
        appIds: ['bench-agent'],
        targetLabels: [{ kind: ['host'] }],
      }),
    );
    const proxy = await startSshProxy({
      listen: { host: '127.0.0.1', port: 0 },
      hostKeyFile: join(dir.path, 'host_key'),
      targets: [
        {
          name: 'bench-host',
          labels: { env: 'dev', kind: 'host' },
          upstream: {
            host: sshd.host,
            port: sshd.port,
            user: sshd.user,
            privateKey: upstreamKey,
            hostKey: sshd.hostPublicKey,
          },
        },
      ],
      tokens: createTokenVerifier([{ issuer: oidc.issuer, audiences: [oidc.audience] }]),
      policy,
      store: opened.store,
      gatewayInstance: 'bench',
    });
    const direct = connectWith({
      host: sshd.host,
      port: sshd.port,
      username: sshd.user,
      privateKey: upstreamKey,
    });
    const through: Connect = async () =>
      connectWith({
        host: '127.0.0.1',
        port: proxy.address.port,
        username: 'bench-host',
        password: await oidc.issueToken('bench-agent'),
      })();

    const keyFile = join(dir.path, 'upstream_key');
    await writeFile(keyFile, upstreamKey, { mode: 0o600 });
    const sshOptions = [
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
    ];
    const token = await oidc.issueToken('bench-agent');
    const openssh = (target: 'direct' | 'portcullis', command: string, pty: boolean) => () =>
      bulkOpenSsh(
        target === 'direct'
          ? [
              'ssh',
              ...sshOptions,
              '-i',
              keyFile,
              '-p',
              String(sshd.port),
              ...(pty ? ['-tt'] : []),
              `${sshd.user}@127.0.0.1`,
              command,
            ]
          : [
              'sshpass',
              '-e',
              'ssh',
              ...sshOptions,
              '-o',
              'PubkeyAuthentication=no',
              '-o',
              'PreferredAuthentications=password',
              '-p',
              String(proxy.address.port),
              ...(pty ? ['-tt'] : []),
              'bench-host@127.0.0.1',
              command,
            ],
        { ...process.env, SSHPASS: token },
      );
    const best = async (run: () => Promise<{ seconds: number; bytes: number }>) => {
      let top = { seconds: Infinity, bytes: 0 };
      for (let i = 0; i < REPEATS; i++) {
        const result = await run();
        console.error(`  run: ${result.bytes} bytes in ${result.seconds.toFixed(2)} s`);
        if (result.seconds < top.seconds) top = result;
      }
      return { ...top, mbPerSecond: top.bytes / 1024 / 1024 / top.seconds };
    };
    const bestSsh2 = async (connect: Connect, command: string, pty: boolean) => {
      let top = { seconds: Infinity, bytes: 0 };
      for (let i = 0; i < REPEATS; i++) {
        const run = await bulk(connect, command, pty);
        if (run.seconds < top.seconds) top = run;
      }
      return { ...top, mbPerSecond: top.bytes / 1024 / 1024 / top.seconds };
    };
    const execCommand = `head -c ${BULK_MB}M /dev/zero`;
    const ptyCommand = `seq ${PTY_LINES}`;
    const results = {
      bulkExec: {
        direct: await best(openssh('direct', execCommand, false)),
        portcullis: await best(openssh('portcullis', execCommand, false)),
      },
      bulkExecSsh2: {
        direct: await bestSsh2(direct, execCommand, false),
        portcullis: await bestSsh2(through, execCommand, false),
      },
      bulkPty: {
        direct: await best(openssh('direct', ptyCommand, true)),
        portcullis: await best(openssh('portcullis', ptyCommand, true)),
      },
      echo: { direct: await echoLatencies(direct, KEYS), portcullis: await echoLatencies(through, KEYS) },
    };
    const echo = (samples: number[]) => ({
      p50: percentile(samples, 50),
      p99: percentile(samples, 99),
      max: Math.max(...samples),
    });
    const echoDirect = echo(results.echo.direct);
    const echoProxy = echo(results.echo.portcullis);
    const ptyProxy = results.bulkPty.portcullis;
    const report = {
      settings: {
        bulkMb: BULK_MB,
        ptyLines: PTY_LINES,
        keys: KEYS,
        repeats: REPEATS,
        store: 'pglite',
        audit: 'strict',
      },
      bulkExec: {
        directMBps: results.bulkExec.direct.mbPerSecond,
        portcullisMBps: results.bulkExec.portcullis.mbPerSecond,
        ratio: results.bulkExec.portcullis.mbPerSecond / results.bulkExec.direct.mbPerSecond,
        bytes: [results.bulkExec.direct.bytes, results.bulkExec.portcullis.bytes],
      },
      bulkExecSsh2Client: {
        directMBps: results.bulkExecSsh2.direct.mbPerSecond,
        portcullisMBps: results.bulkExecSsh2.portcullis.mbPerSecond,
        ratio: results.bulkExecSsh2.portcullis.mbPerSecond / results.bulkExecSsh2.direct.mbPerSecond,
      },
      bulkPtyRecorded: {
        directMBps: results.bulkPty.direct.mbPerSecond,
        portcullisMBps: ptyProxy.mbPerSecond,
        ratio: ptyProxy.mbPerSecond / results.bulkPty.direct.mbPerSecond,
        bytes: [results.bulkPty.direct.bytes, ptyProxy.bytes],
      },
      echoMs: {
        direct: echoDirect,
        portcullis: echoProxy,
        addedP99: echoProxy.p99 - echoDirect.p99,
        ratioP99: echoProxy.p99 / echoDirect.p99,
      },
    };
    const f = (n: number | null | undefined, d = 1) => (n === null || n === undefined ? '—' : n.toFixed(d));
    console.log('\nSSH proxy benchmark (best of %d; echo over %d keys)\n', REPEATS, KEYS);
    console.log('| measure | direct | Portcullis | ratio |');
    console.log('| --- | --- | --- | --- |');
    console.log(
      `| exec \`head -c ${BULK_MB}M /dev/zero\`, OpenSSH ssh (not recorded) | ${f(report.bulkExec.directMBps)} MB/s | ${f(report.bulkExec.portcullisMBps)} MB/s | ${f(report.bulkExec.ratio, 2)}× |`,
    );
    console.log(
      `| same, ssh2 (JavaScript) client | ${f(report.bulkExecSsh2Client.directMBps)} MB/s | ${f(report.bulkExecSsh2Client.portcullisMBps)} MB/s | ${f(report.bulkExecSsh2Client.ratio, 2)}× |`,
    );
    console.log(
      `| exec with pty, \`seq ${PTY_LINES}\` (recorded) | ${f(report.bulkPtyRecorded.directMBps)} MB/s | ${f(report.bulkPtyRecorded.portcullisMBps)} MB/s | ${f(report.bulkPtyRecorded.ratio, 2)}× |`,
    );
    console.log(
      `| keystroke echo p50 / p99 (shell, pty, recorded) | ${f(echoDirect.p50, 2)} / ${f(echoDirect.p99, 2)} ms | ${f(echoProxy.p50, 2)} / ${f(echoProxy.p99, 2)} ms | +${f(report.echoMs.addedP99, 2)} ms p99 (${f(report.echoMs.ratioP99, 2)}×) |`,
    );
    const resultsDir = new URL('../../results/', import.meta.url);
    await mkdir(resultsDir, { recursive: true });
    await writeFile(new URL('ssh-proxy.json', resultsDir), JSON.stringify(report, null, 2) + '\n');
    await proxy.close();
  } finally {
    await opened.store.close();
    await oidc.stop();
    await sshd.stop();
    await dir.remove();
  }
}

await main();
