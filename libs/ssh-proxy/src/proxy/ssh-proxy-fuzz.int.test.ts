/**
 * Bounded-time fuzzing of the SSH listener (127.0.0.1 only, fixed
 * iteration counts, every socket destroyed after a deadline): garbage
 * instead of a version line, garbage after a valid one, oversized packet
 * lengths, and a flood of channel opens from an authenticated client. The
 * proxy must not crash, must keep serving a normal exec, and its memory
 * must stay bounded.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { DEPLOYER, DEV_HOST, startProxyWorld, type ProxyWorld } from './testing/proxy-fixture.js';

/** Sends `payload` (in a few writes) and waits until the proxy closes the socket, or gives up after `deadlineMs`. */
function throwAt(port: number, payloads: Buffer[], deadlineMs = 3_000): Promise<'closed' | 'deadline'> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('deadline');
    }, deadlineMs);
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
    socket.on('connect', () => {
      for (const payload of payloads) socket.write(payload);
    });
  });
}

function packetHeader(length: number): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt32BE(length, 0);
  header.writeUInt8(4, 4); // padding length
  header.writeUInt8(20, 5); // KEXINIT
  return header;
}

describe('fuzzing the SSH listener (bounded time, loopback)', () => {
  let world: ProxyWorld;
  let port: number;
  let rssBefore = 0;
  before(async () => {
    world = await startProxyWorld({ startupTimeoutMs: 2_000 });
    port = world.proxy.address.port;
    await stillServes(); // warm: the first session loads what every later one shares
    rssBefore = process.memoryUsage().rss;
  });
  after(() => world.stop());

  const authenticated = async (): Promise<ssh2.Client> => {
    const password = await world.oidc.issueToken(DEPLOYER);
    return new Promise((resolve, reject) => {
      const client = new ssh2.Client();
      client.once('ready', () => resolve(client));
      client.once('error', reject);
      client.connect({ host: '127.0.0.1', port, username: DEV_HOST, password, tryKeyboard: false });
    });
  };
  const execOnce = async (client: ssh2.Client, command: string) =>
    new Promise<{ code: number | null; out: string }>((resolve, reject) =>
      client.exec(command, (error, stream) => {
        if (error) return reject(error);
        let out = '';
        let code: number | null = null;
        stream.on('data', (c: Buffer) => (out += c.toString()));
        stream.stderr.on('data', () => undefined);
        stream.on('exit', (c: number | null) => (code = c));
        stream.on('close', () => resolve({ code, out }));
      }),
    );
  const stillServes = async () => {
    const client = await authenticated();
    try {
      assert.deepEqual(await execOnce(client, 'echo alive'), { code: 0, out: 'alive\n' });
    } finally {
      client.end();
    }
  };

  it('garbage instead of a version line: every connection is closed, the proxy serves on', async () => {
    const results = [];
    for (let round = 0; round < 5; round++) {
      results.push(
        ...(await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            throwAt(port, [randomBytes(1 + ((i * 997) % 4096)), randomBytes(64)]),
          ),
        )),
      );
    }
    // Garbage without a newline may wait for more (the version line has no length): the startup deadline ends it.
    assert.deepEqual(
      results.filter((r) => r !== 'closed'),
      [],
      'the proxy left a garbage connection open past the startup deadline',
    );
    await stillServes();
  });

  it('garbage after a valid version line, and oversized packet lengths', async () => {
    const version = Buffer.from('SSH-2.0-portcullis-fuzz\r\n');
    const cases: Buffer[][] = [];
    for (let i = 0; i < 40; i++) cases.push([version, randomBytes(16 + i * 101)]);
    for (const length of [0, 1, 5, 35_000, 256 * 1024, 0x7fffffff, 0xffffffff])
      cases.push([version, packetHeader(length), randomBytes(1024)]);
    const results = await Promise.all(cases.map((payloads) => throwAt(port, payloads, 5_000)));
    const closed = results.filter((r) => r === 'closed').length;
    // Oversized lengths and bad packets are answered by a disconnect (or the startup deadline).
    assert.ok(
      closed >= cases.length - 5,
      `only ${closed} of ${cases.length} connections were closed by the proxy`,
    );
    await stillServes();
  });

  it('a flood of channel opens and forwarding requests from an authenticated client', async () => {
    const client = await authenticated();
    try {
      const denied = await Promise.all(
        Array.from({ length: 150 }, () =>
          execOnce(client, 'shutdown -h now').catch(() => ({ code: -1, out: '' })),
        ),
      );
      assert.ok(
        denied.every((r) => r.code === 126 || r.code === -1),
        'a flooded denied command did not get 126',
      );
      const forwards = await Promise.all(
        Array.from(
          { length: 150 },
          () =>
            new Promise<boolean>((resolve) =>
              client.forwardOut('127.0.0.1', 1, '127.0.0.1', 9, (error) => resolve(Boolean(error))),
            ),
        ),
      );
      assert.ok(forwards.every(Boolean), 'a forwarding request was accepted');
    } finally {
      client.end();
    }
    await stillServes();
  });

  it('memory stayed bounded (RSS growth under 100 MB)', async () => {
    await delay(500);
    const growth = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    assert.ok(growth < 100, `RSS grew by ${growth.toFixed(1)} MB`);
  });
});
