/**
 * Caps on unauthenticated connections (libs/session admission): past the
 * per-address or the total cap a connection is refused at once with FATAL
 * 53300, logged once for the flood; authenticated sessions do not count;
 * once the holders leave, clients get in again.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { postgresBinDir } from '@portcullis/test-support';
import { startPgProxy, type PgProxy } from './pg-proxy-server.js';
import type { ProxyLogger } from './proxy-options.js';
import { DEPLOYER, TARGET, startProxyWorld, type ProxyWorld } from '../testing/proxy-fixture.js';
import { rawExchange } from '../testing/raw-client.js';

const PER_ADDRESS = 4;
const TOTAL = 6;

describe('caps on unauthenticated connections', () => {
  let world: ProxyWorld;
  let proxy: PgProxy;
  const warnings: string[] = [];
  const logger: ProxyLogger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (_fields, message) => warnings.push(message),
    error: () => undefined,
  };
  before(async () => {
    world = await startProxyWorld();
    proxy = await startPgProxy({
      ...world.options,
      logger,
      unauthenticatedConnections: { total: TOTAL, perAddress: PER_ADDRESS },
    });
  });
  after(async () => {
    await proxy?.close();
    await world?.stop();
  });

  async function client(): Promise<pg.Client> {
    const c = new pg.Client({
      host: '127.0.0.1',
      port: proxy.address.port,
      user: 'agent',
      database: TARGET.name,
      password: await world.oidc.issueToken(DEPLOYER),
      ssl: false,
    });
    await c.connect();
    return c;
  }

  /** A TCP connection that says nothing, from `localAddress` (any 127/8 address is loopback on Linux). */
  async function silent(localAddress: string): Promise<Socket> {
    const socket = connect({ host: '127.0.0.1', port: proxy.address.port, localAddress });
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    return socket;
  }

  it('refuses past the per-address and total caps with 53300; authenticated sessions do not count', async () => {
    // One after another: side by side they would be unauthenticated at once, and capped.
    const sessions: pg.Client[] = [];
    for (let i = 0; i <= PER_ADDRESS; i++) sessions.push(await client());
    const held: Socket[] = [];
    try {
      for (let i = 0; i < PER_ADDRESS; i++) held.push(await silent('127.0.0.1'));
      // Let the proxy accept them all before the next one knocks.
      await new Promise((r) => setTimeout(r, 100));
      const overAddress = await rawExchange(proxy.address.port, []);
      assert.deepEqual(overAddress.errors, ['53300']);
      assert.ok(overAddress.closed);
      assert.match(
        overAddress.bytes.toString(),
        /too many connections from 127\.0\.0\.1: 4 are already waiting to authenticate/,
      );

      // A real client sees the reason.
      const psql = await promisify(execFile)(
        join(postgresBinDir(), 'psql'),
        [
          '-h',
          '127.0.0.1',
          '-p',
          String(proxy.address.port),
          '-U',
          'agent',
          '-d',
          TARGET.name,
          '-w',
          '-c',
          '',
        ],
        { env: { ...process.env, PGPASSWORD: 'unused' } },
      ).then(
        () => assert.fail('psql got in over the cap'),
        (error: { stderr: string }) => error.stderr,
      );
      assert.match(psql, /too many connections from 127\.0\.0\.1/);

      for (let i = held.length; i < TOTAL; i++) held.push(await silent('127.0.0.2'));
      await new Promise((r) => setTimeout(r, 100));
      const overTotal = await new Promise<string>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port: proxy.address.port, localAddress: '127.0.0.3' });
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
      });
      assert.match(overTotal, /53300.*too many connections: 6 are already waiting to authenticate/s);

      // The sessions opened before are untouched.
      for (const session of sessions)
        assert.deepEqual((await session.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
      assert.equal(
        warnings.filter((w) => w.startsWith('connections refused')).length,
        1,
        warnings.join('\n'),
      );
    } finally {
      for (const socket of held) socket.destroy();
      await Promise.all(sessions.map((s) => s.end()));
    }
  });

  it('once the holders are gone, clients get in again', async () => {
    const deadline = Date.now() + 5_000;
    for (;;) {
      try {
        const c = await client();
        assert.deepEqual((await c.query('SELECT 2 AS two')).rows, [{ two: 2 }]);
        await c.end();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
});
