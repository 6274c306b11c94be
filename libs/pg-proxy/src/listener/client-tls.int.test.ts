/**
 * TLS towards clients: SSLRequest answered S when the target has a
 * certificate, the handshake, then the normal startup. psql with
 * sslmode=require and verify-full against a test CA, node-postgres with
 * `ssl: { ca }`, and a listener that requires TLS refusing a plaintext
 * startup before the client could send its token.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { postgresBinDir, tempDir, type TempDir } from '@portcullis/test-support';
import { frontend } from '../protocol/index.js';
import { testAuthority, type TestAuthority, type TestCertificate } from '../testing/test-certificates.js';
import { PgProxyConfigError, startPgProxy, type PgProxy } from './pg-proxy-server.js';
import { DEPLOYER, TARGET, startProxyWorld, type ProxyWorld } from '../testing/proxy-fixture.js';
import { password, rawExchange, startup } from '../testing/raw-client.js';

describe('TLS towards clients', () => {
  let world: ProxyWorld;
  let dir: TempDir;
  let ca: TestAuthority;
  let otherCa: TestAuthority;
  let certificate: TestCertificate;
  /** TLS offered, plaintext still accepted (a loopback listener's default). */
  let offering: PgProxy;
  /** TLS required. */
  let requiring: PgProxy;

  before(async () => {
    dir = await tempDir('portcullis-client-tls-');
    ca = testAuthority(dir.path, 'ca');
    otherCa = testAuthority(dir.path, 'other-ca');
    certificate = ca.issue('localhost', { dns: ['localhost'], ip: ['127.0.0.1'] });
    world = await startProxyWorld();
    const tls = { cert: certificate.cert, key: certificate.key };
    offering = await startPgProxy({ ...world.options, tls });
    requiring = await startPgProxy({ ...world.options, tls: { ...tls, required: true } });
  });
  after(async () => {
    await offering?.close();
    await requiring?.close();
    await world?.stop();
    await dir?.remove();
  });

  async function psql(
    proxy: PgProxy,
    connection: string,
    sql: string,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const env: NodeJS.ProcessEnv = { ...process.env, PGPASSWORD: await world.oidc.issueToken(DEPLOYER) };
    delete env.PGSSLMODE;
    const conninfo = `host=localhost hostaddr=127.0.0.1 port=${proxy.address.port} user=agent dbname=${TARGET.name} ${connection}`;
    try {
      const { stdout, stderr } = await promisify(execFile)(
        join(postgresBinDir(), 'psql'),
        [conninfo, '-w', '-Atc', sql],
        { env },
      );
      return { code: 0, stdout: stdout.trim(), stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout.trim(), stderr: e.stderr };
    }
  }

  it('psql sslmode=require: the session runs over TLS', async () => {
    const result = await psql(offering, 'sslmode=require', '\\conninfo');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /SSL connection \(protocol: TLSv1\.[23]/);
    const rows = await psql(offering, 'sslmode=require', 'SELECT owner FROM public.accounts WHERE id = 2');
    assert.equal(rows.stdout, 'bob');
  });

  it('psql sslmode=verify-full with the test CA verifies the certificate and its name', async () => {
    const ok = await psql(
      offering,
      `sslmode=verify-full sslrootcert=${ca.certFile}`,
      'SELECT owner FROM public.accounts WHERE id = 3',
    );
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'carol');
    const wrongCa = await psql(offering, `sslmode=verify-full sslrootcert=${otherCa.certFile}`, 'SELECT 1');
    assert.notEqual(wrongCa.code, 0);
    assert.match(wrongCa.stderr, /certificate verify failed/);
  });

  it('node-postgres with ssl: { ca } (and a wrong CA fails)', async () => {
    const config = async (caPem: string): Promise<pg.ClientConfig> => ({
      host: '127.0.0.1',
      port: offering.address.port,
      user: 'agent',
      database: TARGET.name,
      password: await world.oidc.issueToken(DEPLOYER),
      ssl: { ca: caPem, servername: 'localhost' },
    });
    const c = new pg.Client(await config(ca.cert));
    await c.connect();
    try {
      const { rows } = await c.query('SELECT owner FROM public.accounts WHERE id = $1', [1]);
      assert.deepEqual(rows, [{ owner: 'alice' }]);
      const stream = (c as unknown as { connection: { stream: { encrypted?: boolean } } }).connection.stream;
      assert.equal(stream.encrypted, true);
    } finally {
      await c.end();
    }
    const wrong = new pg.Client(await config(otherCa.cert));
    await assert.rejects(wrong.connect(), /certificate/);
  });

  it('a loopback listener with a certificate still serves plaintext clients unless TLS is required', async () => {
    const plain = await psql(offering, 'sslmode=disable', 'SELECT 1');
    assert.equal(plain.code, 0, plain.stderr);
    const refused = await psql(requiring, 'sslmode=disable', 'SELECT 1');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /portcullis: TLS required/);
    const overTls = await psql(requiring, 'sslmode=require', 'SELECT 1');
    assert.equal(overTls.code, 0, overTls.stderr);
  });

  it('TLS required: a plaintext startup gets 28000 before any password request, and is recorded', async () => {
    const token = await world.oidc.issueToken(DEPLOYER);
    const result = await rawExchange(requiring.address.port, [startup(TARGET.name), password(token)]);
    assert.deepEqual(result.errors, ['28000']);
    assert.ok(!result.types.includes('R'), `never asked for the token: ${result.types.join(',')}`);
    assert.ok(result.closed);
    const rejected = [...(await world.sessions()).values()]
      .flat()
      .filter((e) => e.type === 'SessionRejected')
      .map((e) => (e.data as { reason: string }).reason);
    assert.ok(rejected.includes('tls_required'), rejected.join(','));
  });

  it('a listener off loopback needs TLS; plaintext cannot be allowed there; a bad key stops the start', async () => {
    await assert.rejects(
      startPgProxy({ ...world.options, listen: { host: '192.0.2.1', port: 0 } }),
      (error: Error) => error instanceof PgProxyConfigError && /without TLS/.test(error.message),
    );
    await assert.rejects(
      startPgProxy({
        ...world.options,
        listen: { host: '192.0.2.1', port: 0 },
        tls: { cert: certificate.cert, key: certificate.key, required: false },
      }),
      (error: Error) => error instanceof PgProxyConfigError && /plaintext/.test(error.message),
    );
    await assert.rejects(
      startPgProxy({ ...world.options, tls: { cert: certificate.cert, key: otherCa.key } }),
      (error: Error) => error instanceof PgProxyConfigError && /^tls: /.test(error.message),
    );
  });

  it('bytes sent after SSLRequest before the handshake are refused (CVE-2021-23214)', async () => {
    const result = await rawExchange(offering.address.port, [
      Buffer.concat([frontend.sslRequest(), startup(TARGET.name)]),
    ]);
    // As PostgreSQL: S was already sent, then a plaintext FATAL 08P01 and the connection closes.
    assert.equal(result.bytes[0], 0x53);
    assert.ok(result.bytes.includes('08P01'), result.bytes.toString('latin1'));
    assert.ok(result.closed);
  });
});
