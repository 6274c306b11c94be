import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPostgres, tempDir, type PostgresServer, type TempDir } from '@portcullis/test-support';
import { authenticateUpstream, type UpstreamCredentials } from './upstream-auth.js';
import { UpstreamAuthenticationError, UpstreamConnectionError } from './upstream-errors.js';
import { connectTo, requirePasswords, ROLES, serverCertificate } from '../testing/postgres-auth.js';
import { runQuery } from '../testing/run-query.js';

let server: PostgresServer;
let certDir: TempDir;
let cert: string;

before(async () => {
  certDir = await tempDir('portcullis-pg-tls-');
  const tls = serverCertificate(certDir.path);
  cert = tls.cert;
  server = await startPostgres({ settings: tls.settings });
  await requirePasswords(server);
});

after(async () => {
  await server?.stop();
  await certDir?.remove();
});

async function open(credentials: Omit<UpstreamCredentials, 'database'>) {
  return authenticateUpstream(await connectTo(server), {
    database: 'postgres',
    timeoutMs: 5_000,
    ...credentials,
  });
}

async function currentUser(
  credentials: Omit<UpstreamCredentials, 'database'>,
): Promise<{ user: string; method: string }> {
  const session = await open(credentials);
  try {
    const result = await runQuery(session.socket, 'SELECT current_user, 40 + 2 AS answer');
    assert.equal(result.tag, 'SELECT 1');
    assert.deepEqual(
      result.fields.map((f) => f.name),
      ['current_user', 'answer'],
    );
    assert.equal(result.rows[0]?.[1]?.toString(), '42');
    return { user: result.rows[0]?.[0]?.toString() ?? '', method: session.authenticationMethod };
  } finally {
    session.socket.destroy();
  }
}

test('trust: AuthenticationOk straight away, then parameters, backend key and ReadyForQuery', async () => {
  const session = await open({ user: 'postgres' });
  try {
    assert.match(session.parameters.server_version ?? '', /^\d+/);
    assert.equal(session.parameters.client_encoding, 'UTF8');
    assert.equal(session.authenticationMethod, 'trust');
    assert.ok(session.backendKey && session.backendKey.processId > 0);
    const result = await runQuery(session.socket, 'SELECT pg_backend_pid()');
    assert.equal(Number(result.rows[0]?.[0]?.toString()), session.backendKey.processId);
  } finally {
    session.socket.destroy();
  }
});

for (const [method, role] of Object.entries(ROLES)) {
  test(`${method}: authenticates with the configured password and runs a query`, async () => {
    const expectedMethod = role.method === 'password' ? 'cleartext' : role.method;
    assert.deepEqual(await currentUser({ user: role.user, password: role.password }), {
      user: role.user,
      method: expectedMethod,
    });
  });

  test(`${method}: a wrong password is an authentication error with SQLSTATE 28P01`, async () => {
    await assert.rejects(open({ user: role.user, password: 'not-the-password' }), (error) => {
      assert.ok(error instanceof UpstreamAuthenticationError, String(error));
      assert.equal(error.sqlState, '28P01');
      assert.equal(error.code, 'UNAUTHENTICATED');
      assert.doesNotMatch(error.message, /not-the-password/);
      return true;
    });
  });
}

test('a server asking for a password when none is configured is an authentication error', async () => {
  await assert.rejects(open({ user: ROLES.scram.user }), UpstreamAuthenticationError);
});

test('an error after authentication (no such database) is a connection error', async () => {
  await assert.rejects(
    authenticateUpstream(await connectTo(server), { user: 'postgres', database: 'nope', timeoutMs: 5_000 }),
    (error) => error instanceof UpstreamConnectionError && error.sqlState === '3D000',
  );
});

test('TLS: upgrades after SSLRequest, verifies the certificate, then authenticates with SCRAM', async () => {
  const session = await open({
    user: ROLES.scram.user,
    password: ROLES.scram.password,
    tls: { mode: 'require', ca: cert, servername: 'localhost' },
  });
  try {
    const result = await runQuery(session.socket, 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    assert.equal(result.rows[0]?.[0]?.toString(), 't');
  } finally {
    session.socket.destroy();
  }
});

test('TLS: an untrusted certificate fails closed', async () => {
  await assert.rejects(
    open({ user: 'postgres', tls: { mode: 'require', servername: 'localhost' } }),
    (error) => error instanceof UpstreamConnectionError && /TLS handshake failed/.test(error.message),
  );
});

test('TLS: a server that answers N is refused when TLS is required, used when only preferred', async () => {
  await using plain = await startPostgres();
  const socket = await connectTo(plain);
  await assert.rejects(
    authenticateUpstream(socket, { user: 'postgres', database: 'postgres', tls: { mode: 'require' } }),
    (error) => error instanceof UpstreamConnectionError && /does not accept TLS/.test(error.message),
  );
  assert.equal(socket.destroyed, true);
  const session = await authenticateUpstream(await connectTo(plain), {
    user: 'postgres',
    database: 'postgres',
    tls: { mode: 'prefer' },
  });
  assert.equal((await runQuery(session.socket, 'SELECT 1')).tag, 'SELECT 1');
  session.socket.destroy();
});
