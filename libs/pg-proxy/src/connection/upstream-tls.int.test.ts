/**
 * TLS from the proxy to the server, as configured per target: `require`
 * (encrypted, any certificate) and `verify-full` (the test CA and the host
 * name), against a PostgreSQL started with ssl=on. The server itself says
 * whether the proxy's session is encrypted (pg_stat_ssl).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { tempDir, type TempDir } from '@portcullis/test-support';
import { testAuthority, type TestAuthority } from '../testing/test-certificates.js';
import { startPgProxy, type PgProxy } from '../listener/pg-proxy-server.js';
import type { UpstreamTlsConfig } from '../listener/proxy-options.js';
import { DEPLOYER, TARGET, startProxyWorld, type ProxyWorld } from '../testing/proxy-fixture.js';

describe('TLS to the upstream server', () => {
  let world: ProxyWorld;
  let dir: TempDir;
  let ca: TestAuthority;
  let otherCa: TestAuthority;
  const proxies: PgProxy[] = [];

  before(async () => {
    dir = await tempDir('portcullis-upstream-tls-');
    ca = testAuthority(dir.path, 'ca');
    otherCa = testAuthority(dir.path, 'other-ca');
    const server = ca.issue('upstream', { dns: ['db.test'], ip: ['127.0.0.1'] });
    readableByPostgres(dir.path, server.keyFile, server.certFile);
    world = await startProxyWorld({
      postgresSettings: { ssl: 'on', ssl_cert_file: server.certFile, ssl_key_file: server.keyFile },
    });
  });
  after(async () => {
    for (const proxy of proxies) await proxy.close();
    await world?.stop();
    await dir?.remove();
  });

  async function proxyWith(tls: UpstreamTlsConfig): Promise<PgProxy> {
    const proxy = await startPgProxy({ ...world.options, upstream: { ...world.options.upstream, tls } });
    proxies.push(proxy);
    return proxy;
  }

  async function encryptedUpstream(proxy: PgProxy): Promise<boolean> {
    const c = new pg.Client({
      host: '127.0.0.1',
      port: proxy.address.port,
      user: 'agent',
      database: TARGET.name,
      password: await world.oidc.issueToken(DEPLOYER),
      ssl: false,
    });
    await c.connect();
    try {
      const { rows } = await c.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      return (rows[0] as { ssl: boolean }).ssl;
    } finally {
      await c.end();
    }
  }

  it('without tls (and with mode disable) the proxy talks to the server in plaintext', async () => {
    assert.equal(await encryptedUpstream(world.proxy), false);
    assert.equal(await encryptedUpstream(await proxyWith({ mode: 'disable' })), false);
  });

  it('mode require: encrypted, whatever the certificate', async () => {
    assert.equal(await encryptedUpstream(await proxyWith({ mode: 'require' })), true);
  });

  it('mode verify-full: encrypted with the right CA and name; a wrong CA or name refuses the session', async () => {
    assert.equal(await encryptedUpstream(await proxyWith({ mode: 'verify-full', ca: ca.cert })), true);
    const wrong = await proxyWith({ mode: 'verify-full', ca: otherCa.cert });
    await assert.rejects(encryptedUpstream(wrong), (error: pg.DatabaseError) => {
      assert.equal(error.code, '08006');
      assert.match(error.message, /the database server is unavailable/);
      return true;
    });
    // The right CA, but a name the certificate does not carry (it names db.test and 127.0.0.1).
    const wrongName = await startPgProxy({
      ...world.options,
      upstream: { ...world.options.upstream, host: 'localhost', tls: { mode: 'verify-full', ca: ca.cert } },
    });
    proxies.push(wrongName);
    await assert.rejects(encryptedUpstream(wrongName), { code: '08006' });
    const rejected = [...(await world.sessions()).values()]
      .flat()
      .filter((e) => e.type === 'SessionRejected')
      .map((e) => e.data as { reason: string; detail?: string });
    const details = rejected.filter((r) => r.reason === 'upstream_unavailable').map((r) => r.detail ?? '');
    assert.ok(
      details.some((d) => /self-signed|unable to verify|certificate/i.test(d) && !/altnames/.test(d)),
      JSON.stringify(details),
    );
    assert.ok(
      details.some((d) => /does not match certificate's altnames/.test(d)),
      JSON.stringify(details),
    );
  });
});

/** PostgreSQL insists on owning its key (mode 0600); when tests run as root, the server runs as `postgres`. */
function readableByPostgres(dir: string, keyFile: string, certFile: string): void {
  chmodSync(dir, 0o755);
  chmodSync(keyFile, 0o600);
  chmodSync(certFile, 0o644);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(keyFile, uid, gid);
    chownSync(certFile, uid, gid);
  }
}
