/**
 * MCP sessions under the access lifecycle, with the SDK's own client
 * against `portcullis serve`, a real PostgreSQL target in `ephemeral-role`
 * credential mode and a real sshd that trusts only the gateway's user CA
 * (`credential: certificate`, no authorized key): an operator's termination
 * through the REST API and an identity revocation end a live MCP session
 * like a psql or ssh connection (an in-flight statement cut off, the
 * ephemeral role dropped, SessionClosed naming who), and an `exec` past
 * `mcp.execTimeoutSeconds` is stopped and recorded.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  freePort,
  grantingPolicyBundle,
  postgresBinDir,
  serveConfigYaml,
  startOidcProvider,
  startPostgres,
  startServe,
  startSshd,
  tempDir,
  type OidcProvider,
  type PostgresServer,
  type ServeProcess,
  type SshdServer,
  type TempDir,
} from '@portcullis/test-support';

const psqlBin = join(postgresBinDir(), 'psql');
const AGENT = 'ci-deployer';
const ADMIN = 'platform-admin';

interface ToolResult {
  isError?: boolean;
  content: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
}

describe('MCP sessions under the access lifecycle (portcullis serve)', () => {
  let dir: TempDir;
  let pg: PostgresServer;
  let oidc: OidcProvider;
  let sshd: SshdServer;
  let serve: ServeProcess;
  let api: string;
  const clients = new Set<Client>();

  const sql = (statement: string, database = 'postgres') =>
    execFileSync(psqlBin, [pg.url(database), '-Atc', statement])
      .toString()
      .trim();

  async function connect(clientId: string): Promise<Client> {
    const token = await oidc.issueToken(clientId);
    const client = new Client({ name: 'portcullis-e2e-lifecycle', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${api}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
    clients.add(client);
    return client;
  }

  const call = async (client: Client, name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 })) as ToolResult;

  const text = (result: ToolResult) => result.content.map((c) => c.text ?? '').join('');

  async function rest(method: string, path: string, clientId: string, body?: unknown) {
    const response = await fetch(`${api}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await oidc.issueToken(clientId)}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** The recorded events of one type, oldest first (the store is the test's PostgreSQL). */
  function events(type: string): Record<string, unknown>[] {
    const rows = sql(
      `SELECT coalesce(json_agg(data ORDER BY global_position), '[]') FROM portcullis_events WHERE event_type = '${type}'`,
      'portcullis',
    );
    return JSON.parse(rows) as Record<string, unknown>[];
  }

  /** Polls (bounded) until `find` returns something. */
  async function eventually<T>(what: string, find: () => T | undefined): Promise<T> {
    for (let i = 0; i < 200; i++) {
      const found = find();
      if (found !== undefined) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`timed out waiting for ${what}`);
  }

  const eventOf = (type: string, sessionId: string) => events(type).find((e) => e.sessionId === sessionId);

  /** The newest MCP session's id for a protocol (SessionOpened with frontEnd mcp). */
  const newestMcpSession = (protocol: string) =>
    events('SessionOpened')
      .filter((e) => e.frontEnd === 'mcp' && e.protocol === protocol)
      .at(-1)?.sessionId as string | undefined;

  before(async () => {
    dir = await tempDir('portcullis-mcp-lifecycle-e2e-');
    const caFile = join(dir.path, 'user_ca');
    await promisify(execFile)('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'ops-user-ca',
      '-f',
      caFile,
    ]);
    [pg, oidc, sshd] = await Promise.all([
      startPostgres(),
      startOidcProvider({
        clients: [{ clientId: AGENT }, { clientId: ADMIN, groups: ['platform-admins'] }],
      }),
      // No authorized key: only a certificate of the gateway's user CA logs in.
      startSshd({
        authorizedKeys: [],
        trustedUserCaKey: (await readFile(`${caFile}.pub`, 'utf8')).trim(),
        logLevel: 'INFO',
      }),
    ]);
    sql('CREATE DATABASE portcullis');
    sql(
      'CREATE TABLE public.accounts (id int); INSERT INTO public.accounts VALUES (1), (2); ' +
        'CREATE ROLE app_reader NOLOGIN; GRANT SELECT ON public.accounts TO app_reader',
    );
    const bundle = await grantingPolicyBundle(dir.path, {
      issuer: oidc.issuer,
      appIds: [AGENT],
      targetLabels: [{ env: ['production'], kind: ['database'] }, { kind: ['host'] }],
      postgresRole: 'app_reader',
      sshPrincipal: sshd.user,
    });
    const apiPort = await freePort();
    const config = join(dir.path, 'portcullis.yaml');
    await writeFile(
      config,
      serveConfigYaml({
        instance: 'gw-mcp-lifecycle',
        apiPort,
        adminGroups: ['platform-admins'],
        store: `{ kind: postgres, url: "${pg.url('portcullis')}" }`,
        policy: `{ bundle: ${bundle} }`,
        issuer: oidc,
        target: { listenPort: await freePort(), upstreamPort: pg.port },
        targetExtra: ['credential: { mode: ephemeral-role, maxSessionSeconds: 600 }'],
        extra: [
          // Long enough for `id -un` on a loaded machine, far shorter than `sleep 30`.
          'mcp: { execTimeoutSeconds: 6 }',
          `ssh: { userCaKeyFile: ${caFile}, hostKeyFile: ${join(dir.path, 'host_key')} }`,
          'audit: { appendTimeoutMs: 15000 }',
        ],
      }) +
        [
          '  - name: web-1',
          '    protocol: ssh',
          `    listen: "127.0.0.1:${await freePort()}"`,
          '    labels: { env: dev, kind: host }',
          '    credential: certificate',
          `    upstream: { host: 127.0.0.1, port: ${sshd.port}, user: ${sshd.user}, hostKey: "${sshd.hostPublicKey}" }`,
          '',
        ].join('\n'),
    );
    serve = await startServe(config);
    api = `http://127.0.0.1:${apiPort}`;
  });

  afterEach(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    clients.clear();
  });

  after(async () => {
    await serve?.stop('SIGTERM').catch(() => undefined);
    await sshd?.stop();
    await oidc?.stop();
    await pg?.stop();
    await dir?.remove();
  });

  it('exec logs in with a certificate of the session, and a command past mcp.execTimeoutSeconds is stopped and recorded', async () => {
    const client = await connect(AGENT);
    const who = await call(client, 'exec', { target: 'web-1', command: 'id -un' });
    assert.equal(who.isError, undefined, text(who));
    assert.equal(String(who.structuredContent!.stdout).trim(), sshd.user);
    const sessionId = newestMcpSession('ssh')!;
    assert.match(
      sshd.log(),
      new RegExp(`ED25519-CERT SHA256:\\S+ ID portcullis session=${sessionId} subject=${AGENT}`),
    );
    const issued = await eventually('UpstreamCredentialIssued', () =>
      eventOf('UpstreamCredentialIssued', sessionId),
    );
    assert.equal(issued.mechanism, 'certificate');
    assert.equal(issued.principal, sshd.user);

    const slow = await call(client, 'exec', { target: 'web-1', command: 'sleep 30' });
    assert.equal(slow.isError, true);
    assert.equal(slow.structuredContent!.status, 'error');
    assert.equal(
      text(slow),
      'portcullis: exec timed out: the command ran past 6 s (mcp.execTimeoutSeconds) and was stopped',
    );
    assert.equal(slow.structuredContent!.timedOut, true);
    const received = events('CommandReceived').find(
      (e) => e.sessionId === sessionId && e.text === 'sleep 30',
    );
    assert.ok(received, 'sleep 30 recorded');
    const completed = await eventually('CommandCompleted of sleep 30', () =>
      events('CommandCompleted').find((e) => e.sessionId === sessionId && e.sequence === received.sequence),
    );
    assert.equal(completed.commandTag, 'timeout');
    assert.deepEqual(completed.error, {
      code: 'timeout',
      message: 'the command ran past the exec timeout (6 s) and was stopped',
    });

    // The MCP session goes on.
    const next = await call(client, 'exec', { target: 'web-1', command: 'echo still-here' });
    assert.equal(next.isError, undefined, text(next));
    assert.equal(next.structuredContent!.stdout, 'still-here\n');
    if (newestMcpSession('ssh') !== sessionId) {
      // The host did not end the command on KILL (OpenSSH refuses signal requests for a root
      // login, which has no privilege separation after authentication, as when these tests run
      // as root): the connection was closed instead, and the next exec opened a new session.
      const closed = await eventually('SessionClosed', () => eventOf('SessionClosed', sessionId));
      assert.equal(closed.reason, 'upstream_closed');
    } else {
      // The host honoured KILL: the command ended and the session's connection stays.
      assert.equal(eventOf('SessionClosed', sessionId), undefined);
    }
  });

  it('a termination through the REST API cuts off the running statement, drops the ephemeral role, and refuses every later tool call', async () => {
    const client = await connect(AGENT);
    const who = await call(client, 'query', { target: 'prod-db', sql: 'SELECT current_user' });
    assert.equal(who.isError, undefined, text(who));
    const role = (who.structuredContent!.rows as string[][])[0]![0]!;
    assert.match(role, /^portcullis_[0-9a-f]{12}$/, 'the session runs as its ephemeral role');
    const sessionId = newestMcpSession('postgres')!;

    const running = call(client, 'query', { target: 'prod-db', sql: 'SELECT pg_sleep(30)' });
    await eventually('pg_sleep running upstream', () =>
      sql(
        `SELECT count(*) FROM pg_stat_activity WHERE usename = '${role}' AND query LIKE 'SELECT pg_sleep%'`,
      ) === '1'
        ? true
        : undefined,
    );
    const answer = await rest('POST', `/api/sessions/${sessionId}/terminate`, ADMIN, {
      reason: 'incident 7',
    });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    const goodbye = `portcullis: session terminated by ${ADMIN}: incident 7`;

    const cut = await running;
    assert.equal(cut.isError, true);
    assert.equal(text(cut), goodbye);
    for (const [name, args] of [
      ['query', { target: 'prod-db', sql: 'SELECT 1' }],
      ['exec', { target: 'web-1', command: 'echo no' }],
      ['list_targets', {}],
    ] as const) {
      const refused = await call(client, name, args);
      assert.equal(refused.isError, true, name);
      assert.equal(text(refused), goodbye, name);
    }

    const closed = await eventually('SessionClosed', () => eventOf('SessionClosed', sessionId));
    assert.equal(closed.reason, 'terminated');
    assert.equal(closed.terminationReason, 'incident 7');
    assert.equal((closed.terminatedBy as { subject: string }).subject, ADMIN);
    assert.equal(events('SessionClosed').filter((e) => e.sessionId === sessionId).length, 1, 'recorded once');
    const sleep = events('CommandReceived').find(
      (e) => e.sessionId === sessionId && e.text === 'SELECT pg_sleep(30)',
    )!;
    const completed = events('CommandCompleted').find(
      (e) => e.sessionId === sessionId && e.sequence === sleep.sequence,
    );
    assert.deepEqual(completed?.error, { code: '57P01', message: goodbye });
    assert.equal(sql(`SELECT count(*) FROM pg_roles WHERE rolname = '${role}'`), '0', 'role dropped');
    assert.equal(sql(`SELECT count(*) FROM pg_stat_activity WHERE usename = '${role}'`), '0');
    const revoked = await eventually('UpstreamCredentialRevoked', () =>
      eventOf('UpstreamCredentialRevoked', sessionId),
    );
    assert.equal(revoked.role, role);
    // Closed now: 409.
    const again = await rest('POST', `/api/sessions/${sessionId}/terminate`, ADMIN);
    assert.equal(again.status, 409);
  });

  it('revoking the identity ends its live MCP session on every target', async () => {
    const client = await connect(AGENT);
    const query = await call(client, 'query', {
      target: 'prod-db',
      sql: 'SELECT count(*) FROM public.accounts',
    });
    assert.deepEqual(query.structuredContent!.rows, [['2']], text(query));
    const exec = await call(client, 'exec', { target: 'web-1', command: 'echo in' });
    assert.equal(exec.isError, undefined, text(exec));
    const [pgSession, sshSession] = [newestMcpSession('postgres')!, newestMcpSession('ssh')!];
    const role = (eventOf('UpstreamCredentialIssued', pgSession) as { role: string }).role;
    const { issuer, subject } = eventOf('SessionOpened', pgSession)!.identity as {
      issuer: string;
      subject: string;
    };

    // A command running when the revocation arrives is cut off.
    const running = call(client, 'exec', { target: 'web-1', command: 'sleep 30' });
    const sleep = await eventually('sleep 30 received', () =>
      events('CommandReceived').find((e) => e.sessionId === sshSession && e.text === 'sleep 30'),
    );
    await eventually('sleep 30 forwarded', () =>
      events('CommandForwarded').find((e) => e.sessionId === sshSession && e.sequence === sleep.sequence),
    );
    const revoked = await rest('POST', '/api/identities/revoke', ADMIN, {
      issuer,
      subject,
      reason: 'token leaked',
    });
    assert.equal(revoked.status, 201, JSON.stringify(revoked.body));
    for (const sessionId of [pgSession, sshSession]) {
      const closed = await eventually('SessionClosed', () => eventOf('SessionClosed', sessionId));
      assert.equal(closed.reason, 'identity_revoked', sessionId);
      assert.equal(closed.revocationId, revoked.body.revocationId);
      assert.equal((closed.terminatedBy as { subject: string }).subject, ADMIN);
    }
    const cut = await running;
    assert.equal(cut.isError, true);
    assert.equal(text(cut), 'portcullis: session terminated: access revoked');
    const completed = await eventually('CommandCompleted of sleep 30', () =>
      events('CommandCompleted').find((e) => e.sessionId === sshSession && e.sequence === sleep.sequence),
    );
    assert.deepEqual(completed.error, {
      code: 'terminated',
      message: 'portcullis: session terminated: access revoked',
    });
    const refused = await call(client, 'query', { target: 'prod-db', sql: 'SELECT 1' });
    assert.equal(refused.isError, true);
    assert.equal(text(refused), 'portcullis: session terminated: access revoked');
    assert.doesNotMatch(text(refused), /token leaked/);
    assert.equal(sql(`SELECT count(*) FROM pg_roles WHERE rolname = '${role}'`), '0', 'role dropped');

    // A new MCP session of the revoked identity is not admitted to any target.
    const fresh = await connect(AGENT);
    const denied = await call(fresh, 'query', { target: 'prod-db', sql: 'SELECT 1' });
    assert.equal(denied.isError, true);
    assert.match(text(denied), /^portcullis: denied: /);
  });
});
