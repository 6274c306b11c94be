/**
 * Caps on unauthenticated SSH connections (libs/session admission): over
 * the cap a client is disconnected at once, before any key exchange, with
 * "too many connections" as the reason OpenSSH shows; once the holders
 * leave, clients get in again.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { OPENSSH_TOKEN_OPTIONS } from '@portcullis/test-support';
import { DEPLOYER, DEV_HOST, startProxyWorld, type ProxyWorld } from './testing/proxy-fixture.js';

describe('caps on unauthenticated SSH connections', () => {
  let world: ProxyWorld;
  before(async () => {
    world = await startProxyWorld({ unauthenticatedConnections: { total: 3, perAddress: 2 } });
  });
  after(() => world?.stop());

  const port = () => world.proxy.address.port;

  async function silent(localAddress: string): Promise<Socket> {
    const socket = connect({ host: '127.0.0.1', port: port(), localAddress });
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    return socket;
  }

  function openssh(): Promise<string> {
    return new Promise((resolve) =>
      execFile(
        'ssh',
        [
          ...OPENSSH_TOKEN_OPTIONS,
          '-o',
          'BatchMode=yes',
          '-p',
          String(port()),
          `${DEV_HOST}@127.0.0.1`,
          'true',
        ],
        { timeout: 10_000 },
        (_error, _stdout, stderr) => resolve(stderr),
      ),
    );
  }

  async function authenticated(): Promise<ssh2.Client> {
    const password = await world.oidc.issueToken(DEPLOYER);
    return new Promise((resolve, reject) => {
      const client = new ssh2.Client();
      client.once('error', reject);
      client.once('ready', () => resolve(client));
      client.connect({ host: '127.0.0.1', port: port(), username: DEV_HOST, password, tryKeyboard: false });
    });
  }

  async function exec(command: string): Promise<string> {
    const client = await authenticated();
    return new Promise((resolve, reject) =>
      client.exec(command, (error, stream) => {
        if (error) return reject(error);
        let out = '';
        stream.on('data', (c: Buffer) => (out += c.toString()));
        stream.stderr.on('data', () => undefined);
        stream.on('close', () => {
          client.end();
          resolve(out);
        });
      }),
    );
  }

  it('over the per-address and the total cap: disconnected with the reason, no key exchange', async () => {
    const held = [await silent('127.0.0.1'), await silent('127.0.0.1')];
    try {
      await new Promise((r) => setTimeout(r, 100));
      assert.match(
        await openssh(),
        /Received disconnect from 127\.0\.0\.1 port \d+:12: too many connections from 127\.0\.0\.1/,
      );
      held.push(await silent('127.0.0.2'));
      await new Promise((r) => setTimeout(r, 100));
      const refused = await new Promise<Error>((resolve) => {
        const client = new ssh2.Client();
        client.once('error', resolve);
        client.once('ready', () => resolve(new Error('admitted over the cap')));
        client.connect({ host: '127.0.0.1', port: port(), username: DEV_HOST, localAddress: '127.0.0.3' });
      });
      assert.match(refused.message, /too many connections/i, refused.message);
    } finally {
      for (const socket of held) socket.destroy();
    }
  });

  it('once the holders are gone, clients get in again; an authenticated session does not count', async () => {
    const deadline = Date.now() + 5_000;
    for (;;) {
      try {
        assert.equal(await exec('echo in'), 'in\n');
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    // As many authenticated sessions as the total cap, held: a new client still gets in.
    const sessions: ssh2.Client[] = [];
    try {
      for (let i = 0; i < 3; i++) sessions.push(await authenticated());
      assert.equal(await exec('echo beside'), 'beside\n');
    } finally {
      for (const session of sessions) session.end();
    }
  });
});
