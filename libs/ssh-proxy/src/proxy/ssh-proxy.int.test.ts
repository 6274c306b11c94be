import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { OPENSSH_TOKEN_OPTIONS } from '@portcullis/test-support';
import type { EventStore } from '@portcullis/eventstore';
import type { NewEvent, RecordedEvent } from '@portcullis/events';
import { generateEd25519OpenSshKey, publicKeyLine } from './host-key.js';
import { startSshProxy } from './ssh-proxy-server.js';
import {
  DEPLOYER,
  DEV_HOST,
  PROD_HOST,
  STRANGER,
  startProxyWorld,
  type ProxyWorld,
} from './testing/proxy-fixture.js';

interface OutputData {
  channel: number;
  frames: [number, string, string][];
}

interface ExecResult {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

describe('the SSH proxy with real peers (OpenSSH sshd upstream)', () => {
  let world: ProxyWorld;
  before(async () => {
    world = await startProxyWorld();
  });
  after(() => world.stop());

  const token = (clientId = DEPLOYER) => world.oidc.issueToken(clientId);

  function connectClient(
    user: string,
    password: string,
    port = world.proxy.address.port,
  ): Promise<ssh2.Client> {
    return new Promise((resolve, reject) => {
      const client = new ssh2.Client();
      client.once('ready', () => resolve(client));
      client.once('error', reject);
      client.connect({
        host: '127.0.0.1',
        port,
        username: user,
        password,
        tryKeyboard: false,
        readyTimeout: 20_000,
      });
    });
  }

  function exec(client: ssh2.Client, command: string, stdin?: string): Promise<ExecResult> {
    return new Promise((resolve, reject) =>
      client.exec(command, (error, stream) => {
        if (error) return reject(error);
        const result: ExecResult = { code: null, stdout: '', stderr: '' };
        stream.on('data', (c: Buffer) => (result.stdout += c.toString()));
        stream.stderr.on('data', (c: Buffer) => (result.stderr += c.toString()));
        stream.on('exit', (code: number | null, signal?: string) => {
          result.code = code;
          if (signal) result.signal = signal;
        });
        stream.on('close', () => resolve(result));
        if (stdin !== undefined) stream.end(stdin);
      }),
    );
  }

  async function runOnce(user: string, command: string, stdin?: string): Promise<ExecResult> {
    const client = await connectClient(user, await token());
    try {
      return await exec(client, command, stdin);
    } finally {
      client.end();
    }
  }

  /** OpenSSH's ssh, with the token as the password through sshpass (SSHPASS env). */
  async function openssh(user: string, command: string, password?: string): Promise<ExecResult> {
    const env = { ...process.env, SSHPASS: password ?? (await token()) };
    const args = [
      '-e',
      'ssh',
      ...OPENSSH_TOKEN_OPTIONS,
      '-p',
      String(world.proxy.address.port),
      `${user}@127.0.0.1`,
      command,
    ];
    return new Promise((resolve) =>
      execFile('sshpass', args, { env, timeout: 30_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr }),
      ),
    );
  }

  async function sessionWith(text: string): Promise<RecordedEvent[]> {
    // SessionClosed is written after the client leaves: poll briefly for it.
    for (let i = 0; i < 50; i++) {
      for (const events of (await world.sessions()).values()) {
        const hit = events.some(
          (e) => e.type === 'CommandReceived' && (e.data as { text: string }).text === text,
        );
        if (hit && events.at(-1)?.type === 'SessionClosed') return events;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`no closed session recorded ${text}`);
  }

  /** Reasons of every SessionRejected so far; waits briefly for `expected` (recorded after the client is told). */
  async function rejectionReasons(expected?: string): Promise<string[]> {
    for (let i = 0; ; i++) {
      const reasons = [...(await world.sessions()).values()]
        .flat()
        .filter((e) => e.type === 'SessionRejected')
        .map((e) => (e.data as { reason: string }).reason);
      if (expected === undefined || reasons.includes(expected) || i >= 50) return reasons;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('OpenSSH ssh: an allowed read-only command runs and returns its output and exit 0', async () => {
    const result = await openssh(DEV_HOST, 'echo hello');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'hello\n');
  });

  it('ssh2: an allowed command runs upstream as the configured user; the session stream is in order', async () => {
    const result = await runOnce(DEV_HOST, 'id -u');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), String(process.getuid?.()));
    const events = await sessionWith('id -u');
    assert.deepEqual(
      events.map((e) => e.type),
      [
        'SessionOpened',
        'CommandReceived',
        'CommandDecided',
        'CommandForwarded',
        'CommandCompleted',
        'SessionClosed',
      ],
    );
    const [opened, received, decided, , completed, closed] = events.map(
      (e) => e.data as Record<string, unknown>,
    );
    assert.equal(opened?.protocol, 'ssh');
    assert.deepEqual(opened?.target, {
      name: DEV_HOST,
      protocol: 'ssh',
      labels: { env: 'dev', kind: 'host' },
    });
    assert.deepEqual((received?.classification as { argv: string[] }).argv, ['id', '-u']);
    assert.equal(decided?.outcome, 'allow');
    assert.equal(completed?.commandTag, 'exit 0');
    assert.equal(closed?.reason, 'client_disconnected');
    assert.equal(closed?.commands, 1);
    assert.ok((closed?.bytesToClient as number) > 0);
  });

  it('keyboard-interactive: the answer to the token prompt is the token', async () => {
    const accessToken = await token();
    let prompted = '';
    const client = await new Promise<ssh2.Client>((resolve, reject) => {
      const c = new ssh2.Client();
      c.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => {
        prompted = prompts.map((p) => p.prompt).join();
        finish([accessToken]);
      });
      c.once('ready', () => resolve(c));
      c.once('error', reject);
      c.connect({ host: '127.0.0.1', port: world.proxy.address.port, username: DEV_HOST, tryKeyboard: true });
    });
    try {
      assert.equal(prompted, 'Access token: ');
      assert.equal((await exec(client, 'echo kbd')).stdout, 'kbd\n');
    } finally {
      client.end();
    }
  });

  it('relays stdin, stderr and non-zero exit statuses', async () => {
    const cat = await runOnce(DEV_HOST, 'cat', 'from stdin\n');
    assert.equal(cat.code, 0);
    assert.equal(cat.stdout, 'from stdin\n');
    const missing = await runOnce(DEV_HOST, "ls '/nonexistent dir'");
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nonexistent dir/);
  });

  it('a policy-denied command gets exit 126 and the reason on stderr, and never runs upstream', async () => {
    const marker = `/dev/shm/portcullis-marker-${process.pid}-dd`;
    const command = `dd if=/dev/zero of=${marker} bs=1 count=1`;
    const result = await openssh(DEV_HOST, command);
    assert.equal(result.code, 126);
    assert.match(result.stderr, new RegExp(`portcullis: denied: dd onto device ${marker} is not allowed`));
    assert.equal(existsSync(marker), false, 'the denied command ran on the host');
    const events = await sessionWith(command);
    assert.deepEqual(
      events.map((e) => e.type),
      ['SessionOpened', 'CommandReceived', 'CommandDecided', 'CommandBlocked', 'SessionClosed'],
    );
    assert.equal((events[2]?.data as { outcome: string }).outcome, 'deny');
    assert.equal((events[3]?.data as { errorCode: string }).errorCode, 'exit 126');
  });

  it('shell syntax that would run a second, undecided command is refused (no bypass through ; && | $())', async () => {
    const marker = `/tmp/portcullis-marker-${process.pid}-chain`;
    for (const command of [
      `echo hi; touch ${marker}`,
      `echo hi && touch ${marker}`,
      `echo $(touch ${marker})`,
      `echo hi > ${marker}`,
      `sh -c 'echo hi; touch ${marker}'`,
      `LD_PRELOAD=/x.so touch ${marker}`,
    ]) {
      const result = await runOnce(DEV_HOST, command);
      assert.equal(result.code, 126, command);
      assert.match(result.stderr, /^portcullis: denied: /, command);
    }
    assert.equal(existsSync(marker), false, 'a chained command ran on the host');
  });

  it('a command that needs review is refused when the proxy has no approvals gate (production profile)', async () => {
    const marker = `/tmp/portcullis-marker-${process.pid}-review`;
    const result = await runOnce(PROD_HOST, `touch ${marker}`);
    assert.equal(result.code, 126);
    assert.match(
      result.stderr,
      /portcullis: denied: approval required: .*touch is not known to be read-only/,
    );
    assert.equal(existsSync(marker), false);
    const events = await sessionWith(`touch ${marker}`);
    assert.equal((events[2]?.data as { outcome: string }).outcome, 'review');
  });

  it('sudo and quotes reach policy as argv; what runs is what was decided', async () => {
    const result = await runOnce(DEV_HOST, `echo "a  b" 'c d' e\\ f`);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'a  b c d e f\n');
    const denied = await runOnce(DEV_HOST, 'sudo -n shutdown -h now');
    assert.equal(denied.code, 126);
    assert.match(denied.stderr, /program shutdown is not allowed/);
    const events = await sessionWith('sudo -n shutdown -h now');
    assert.deepEqual((events[1]?.data as { classification: unknown }).classification, {
      text: 'sudo -n shutdown -h now',
      protocol: 'ssh',
      statements: [],
      argv: ['shutdown', '-h', 'now'],
      program: 'shutdown',
      sudo: true,
    });
  });

  it('a bad token is refused with an authentication failure and recorded with its typed reason', async () => {
    const before = (await rejectionReasons()).length;
    await assert.rejects(connectClient(DEV_HOST, 'not-a-token'), /authentication methods failed/);
    const real = await token();
    const forged = `${real.slice(0, real.lastIndexOf('.') + 1)}${Buffer.alloc(64).toString('base64url')}`;
    const result = await openssh(DEV_HOST, 'echo hello', forged);
    assert.notEqual(result.code, 0);
    assert.equal(result.stdout, '');
    const rejected = (await rejectionReasons('bad_signature')).slice(before);
    assert.deepEqual(rejected, ['malformed', 'bad_signature']);
  });

  it('an identity the policy does not grant is refused (policy_denied)', async () => {
    const result = await openssh(DEV_HOST, 'echo hello', await token(STRANGER));
    assert.notEqual(result.code, 0);
    assert.equal(result.stdout, '');
    assert.ok((await rejectionReasons('policy_denied')).includes('policy_denied'));
  });

  it('an unknown target name is refused', async () => {
    await assert.rejects(connectClient('no-such-host', await token()), /authentication methods failed/);
    assert.ok((await rejectionReasons('unknown_target')).includes('unknown_target'));
  });

  it('port forwarding is refused and recorded; the connection stays usable for exec', async () => {
    const client = await connectClient(DEV_HOST, await token());
    try {
      await assert.rejects(
        new Promise((resolve, reject) =>
          client.forwardOut('127.0.0.1', 0, '127.0.0.1', world.sshd.port, (e, s) =>
            e ? reject(e) : resolve(s),
          ),
        ),
      );
      await assert.rejects(
        new Promise((resolve, reject) =>
          client.forwardIn('127.0.0.1', 0, (e, p) => (e ? reject(e) : resolve(p))),
        ),
      );
      // The connection is still usable for exec.
      assert.equal((await exec(client, 'echo still')).stdout, 'still\n');
    } finally {
      client.end();
    }
    const events = await sessionWith('echo still');
    const refused = events
      .filter((e) => e.type === 'CommandReceived')
      .map((e) => (e.data as { text: string }).text);
    assert.deepEqual(refused.slice(0, 2), [
      `direct-tcpip 127.0.0.1:${world.sshd.port}`,
      'tcpip-forward 127.0.0.1:0',
    ]);
    const blocked = events
      .filter((e) => e.type === 'CommandBlocked')
      .map((e) => e.data as { reason: string });
    assert.equal(blocked.length, 2);
    assert.match(blocked[0]?.reason ?? '', /port forwarding is not allowed through the proxy/);
  });

  it('an upstream whose host key differs from the configured one is refused', async () => {
    const wrongKey = publicKeyLine(generateEd25519OpenSshKey());
    const proxy = await startSshProxy({
      ...world.options,
      hostKeyFile: join(world.dir, 'other', 'host_key'),
      targets: world.options.targets.map((t) => ({ ...t, upstream: { ...t.upstream, hostKey: wrongKey } })),
    });
    try {
      await assert.rejects(
        connectClient(DEV_HOST, await token(), proxy.address.port),
        /authentication methods failed/,
      );
      assert.ok(
        (await rejectionReasons('upstream_host_key_mismatch')).includes('upstream_host_key_mismatch'),
      );
    } finally {
      await proxy.close();
    }
  });

  it('fails closed when the store cannot take the write-ahead record', async () => {
    const failing: EventStore = Object.create(world.store) as EventStore;
    failing.append = (stream: string, events: readonly NewEvent[], expected) =>
      events.some((e) => e.type === 'CommandReceived')
        ? Promise.reject(new Error('store down'))
        : world.store.append(stream, events, expected);
    const proxy = await startSshProxy({
      ...world.options,
      store: failing,
      hostKeyFile: join(world.dir, 'f', 'k'),
    });
    const marker = `/tmp/portcullis-marker-${process.pid}-store`;
    try {
      const client = await connectClient(DEV_HOST, await token(), proxy.address.port);
      const result = await exec(client, `touch ${marker}`);
      client.end();
      assert.equal(result.code, 126);
      assert.match(result.stderr, /portcullis: denied: audit store unavailable/);
      assert.equal(existsSync(marker), false);
    } finally {
      await proxy.close();
      await rm(marker, { force: true });
    }
  });

  it('nothing reaches the host before CommandReceived and CommandDecided are durable', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = false;
    const gated: EventStore = Object.create(world.store) as EventStore;
    gated.append = async (stream: string, events: readonly NewEvent[], expected) => {
      if (events.some((e) => e.type === 'CommandReceived')) {
        holding = true;
        await held;
      }
      return world.store.append(stream, events, expected);
    };
    const proxy = await startSshProxy({
      ...world.options,
      store: gated,
      hostKeyFile: join(world.dir, 'g', 'k'),
    });
    const marker = `/tmp/portcullis-marker-${process.pid}-ahead`;
    try {
      const client = await connectClient(DEV_HOST, await token(), proxy.address.port);
      const running = exec(client, `touch ${marker}`);
      while (!holding) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(existsSync(marker), false, 'the command ran before its write-ahead record was durable');
      release();
      const result = await running;
      client.end();
      assert.equal(result.code, 0, result.stderr);
      assert.equal(existsSync(marker), true);
    } finally {
      release();
      await proxy.close();
      await rm(marker, { force: true });
    }
  });

  it('an exec with a pty runs on a pty upstream and its output is recorded', async () => {
    const client = await connectClient(DEV_HOST, await token());
    let output = '';
    try {
      await new Promise<void>((resolve, reject) =>
        client.exec('tty', { pty: { cols: 90, rows: 20 } }, (e, s) => {
          if (e) return reject(e);
          s.on('data', (c: Buffer) => (output += c.toString()));
          s.on('close', () => resolve());
        }),
      );
    } finally {
      client.end();
    }
    assert.match(output, /^\/dev\/pts\//);
    const events = await sessionWith('tty');
    const recorded = events.filter((e) => e.type === 'OutputRecorded').map((e) => e.data as OutputData);
    assert.ok(recorded.length > 0, 'no OutputRecorded');
    assert.deepEqual(recorded[0]?.frames[0]?.slice(1), ['r', '90x20']);
    assert.match(
      recorded.flatMap((r) => r.frames.filter((f) => f[1] === 'o').map((f) => f[2])).join(''),
      /\/dev\/pts\//,
    );
  });

  it('closing the proxy ends live sessions with SessionClosed proxy_shutdown', async () => {
    const proxy = await startSshProxy({ ...world.options, hostKeyFile: join(world.dir, 's', 'k') });
    const client = await connectClient(DEV_HOST, await token(), proxy.address.port);
    const closed = new Promise<void>((resolve) => client.on('close', () => resolve()));
    assert.equal((await exec(client, 'echo before-shutdown')).stdout, 'before-shutdown\n');
    await proxy.close();
    await closed;
    const events = await sessionWith('echo before-shutdown');
    assert.equal((events.at(-1)?.data as { reason: string }).reason, 'proxy_shutdown');
  });

  it('keeps its host key across restarts (created once, mode 0600)', async () => {
    const file = world.options.hostKeyFile;
    const first = await readFile(file, 'utf8');
    assert.match(first, /^-----BEGIN OPENSSH PRIVATE KEY-----/);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const proxy = await startSshProxy({ ...world.options });
    await proxy.close();
    assert.equal(await readFile(file, 'utf8'), first);
  });
});
