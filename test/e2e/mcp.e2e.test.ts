/**
 * The MCP endpoint as agents use it: the SDK's own client
 * (@modelcontextprotocol/sdk Client + StreamableHTTPClientTransport) with a
 * real OIDC provider's token, against `portcullis serve` with a real
 * PostgreSQL target, a real sshd target and the shipped policy. What ran
 * is checked upstream; the decisions are compared with real psql's through
 * the same gateway, in the recorded events.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  freePort,
  grantingPolicyBundle,
  OPENSSH_TOKEN_OPTIONS,
  postgresBinDir,
  serveConfigYaml,
  sshTargetYaml,
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
const OTHER_AGENT = 'etl-job';
const APPROVER = 'dba-approver';
/** Reads the sessions list (api.auditorGroups). */
const AUDITOR = 'soc-reader';

interface ToolResult {
  isError?: boolean;
  content: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
}

describe('MCP at /mcp on portcullis serve', () => {
  let dir: TempDir;
  let pg: PostgresServer;
  let oidc: OidcProvider;
  let sshd: SshdServer;
  let serve: ServeProcess;
  let api: string;
  let proxyPort: number;
  let sshPort: number;
  const clients = new Map<Client, StreamableHTTPClientTransport>();

  const sql = (statement: string, database = 'postgres') =>
    execFileSync(psqlBin, [pg.url(database), '-Atc', statement])
      .toString()
      .trim();

  async function connect(clientId: string): Promise<Client> {
    const token = await oidc.issueToken(clientId);
    const client = new Client({ name: 'portcullis-e2e', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${api}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    });
    await client.connect(transport);
    clients.set(client, transport);
    return client;
  }

  /** Ends the MCP session (HTTP DELETE), as a client that is done does. */
  async function disconnect(client: Client): Promise<void> {
    await clients.get(client)!.terminateSession();
    await client.close();
    clients.delete(client);
  }

  const call = async (client: Client, name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as ToolResult;

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

  /** Polls until `check` holds of the events of `type` (after-the-fact events are appended in batches). */
  async function eventually(
    type: string,
    check: (events: Record<string, unknown>[]) => boolean,
  ): Promise<Record<string, unknown>[]> {
    let found = events(type);
    for (let i = 0; i < 100 && !check(found); i++) {
      await new Promise((r) => setTimeout(r, 50));
      found = events(type);
    }
    return found;
  }

  /** The recorded events of one type, oldest first (the store is the test's PostgreSQL). */
  function events(type: string): Record<string, unknown>[] {
    const rows = sql(
      `SELECT coalesce(json_agg(data ORDER BY global_position), '[]') FROM portcullis_events WHERE event_type = '${type}'`,
      'portcullis',
    );
    return JSON.parse(rows) as Record<string, unknown>[];
  }

  before(async () => {
    dir = await tempDir('portcullis-mcp-e2e-');
    const keyFile = join(dir.path, 'upstream_key');
    await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
    [pg, oidc, sshd] = await Promise.all([
      startPostgres(),
      startOidcProvider({
        clients: [
          { clientId: AGENT },
          { clientId: OTHER_AGENT },
          { clientId: APPROVER, groups: ['dba-oncall', 'portcullis-approvers'] },
          { clientId: AUDITOR, groups: ['soc-readers'] },
        ],
      }),
      startSshd({ authorizedKeys: [(await readFile(`${keyFile}.pub`, 'utf8')).trim()] }),
    ]);
    sql('CREATE DATABASE portcullis');
    sql(
      `CREATE TABLE public.users (id int PRIMARY KEY, email text, ssn text, phone text, active boolean DEFAULT true);
       INSERT INTO public.users (id, email, ssn) VALUES (1, 'alice@example.com', '123-45-6789'), (2, 'bob@example.org', '987-65-4320');
       CREATE TABLE public.sessions (id int); INSERT INTO public.sessions SELECT generate_series(1, 3);
       CREATE TABLE public.audit_tmp (id int); INSERT INTO public.audit_tmp SELECT generate_series(1, 2);
       CREATE TABLE public.payments (id int, card_number text, iban text);
       INSERT INTO public.payments VALUES (1, '4111 1111 1111 1111', 'DE89370400440532013000');`,
    );
    const bundle = await grantingPolicyBundle(dir.path, {
      issuer: oidc.issuer,
      appIds: [AGENT, OTHER_AGENT],
      targetLabels: [{ env: ['production'], kind: ['database'] }, { kind: ['host'] }],
    });
    const apiPort = await freePort();
    proxyPort = await freePort();
    sshPort = await freePort();
    const config = join(dir.path, 'portcullis.yaml');
    await writeFile(
      config,
      serveConfigYaml({
        instance: 'gw-mcp-e2e',
        apiPort,
        store: `{ kind: postgres, url: "${pg.url('portcullis')}" }`,
        policy: `{ bundle: ${bundle} }`,
        issuer: oidc,
        target: { listenPort: proxyPort, upstreamPort: pg.port },
        api: 'auditorGroups: [soc-readers]',
        extra: [
          'mcp: { maxSessionsPerIdentity: 3, maxRows: 50, maxApprovalWaitSeconds: 30 }',
          // The machine running the tests may be loaded: a slow append must not refuse a statement here.
          'audit: { appendTimeoutMs: 15000 }',
        ],
      }) +
        [
          '    statementTimeoutMs: 3000',
          ...sshTargetYaml({ name: 'web-1', listenPort: sshPort, env: 'dev', sshd, privateKeyFile: keyFile }),
          ...sshTargetYaml({
            name: 'web-prod',
            listenPort: await freePort(),
            env: 'production',
            sshd,
            privateKeyFile: keyFile,
          }),
          '',
        ].join('\n'),
    );
    serve = await startServe(config);
    api = `http://127.0.0.1:${apiPort}`;
    assert.match(serve.output(), new RegExp(`portcullis: mcp on ${api}/mcp`));
  });

  // A test that failed half-way must not leave its MCP sessions counted against the next one's.
  afterEach(async () => {
    for (const client of [...clients.keys()]) await disconnect(client).catch(() => undefined);
  });

  after(async () => {
    for (const client of clients.keys()) await client.close().catch(() => undefined);
    await serve?.stop('SIGTERM').catch(() => undefined);
    await sshd?.stop();
    await oidc?.stop();
    await pg?.stop();
    await dir?.remove();
  });

  it('refuses a missing or bad token with 401 and a challenge naming the resource metadata, never a reason', async () => {
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    };
    const post = (headers: Record<string, string>) =>
      fetch(`${api}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
        body: JSON.stringify(initialize),
      });
    const metadataUrl = `${api}/.well-known/oauth-protected-resource/mcp`;
    const missing = await post({});
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('www-authenticate'), `Bearer resource_metadata="${metadataUrl}"`);
    const token = await oidc.issueToken(AGENT);
    const forged = `${token.slice(0, -4)}AAAA`;
    const bad = await post({ authorization: `Bearer ${forged}` });
    assert.equal(bad.status, 401);
    assert.equal(
      bad.headers.get('www-authenticate'),
      `Bearer error="invalid_token", resource_metadata="${metadataUrl}"`,
    );
    const body = await bad.text();
    assert.doesNotMatch(body, /signature|expired|audience|issuer/i);

    // The SDK's client is refused too.
    const client = new Client({ name: 'bad-token', version: '1' });
    await assert.rejects(
      client.connect(
        new StreamableHTTPClientTransport(new URL(`${api}/mcp`), {
          requestInit: { headers: { Authorization: `Bearer ${forged}` } },
        }),
      ),
    );

    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const metadata = (await (await fetch(`${api}${path}`)).json()) as Record<string, unknown>;
      assert.deepEqual(metadata.authorization_servers, [oidc.issuer]);
      assert.equal(metadata.resource, `${api}/mcp`);
    }
  });

  it('lists the targets session policy admits, and runs a masked query', async () => {
    const client = await connect(AGENT);
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['await_approval', 'exec', 'list_targets', 'query']);
    const listed = await call(client, 'list_targets', {});
    const targets = listed.structuredContent!.targets as { name: string; protocol: string; access: string }[];
    assert.deepEqual(
      targets.map((t) => [t.name, t.protocol, t.access]),
      [
        ['prod-db', 'postgres', 'allowed'],
        ['web-1', 'ssh', 'allowed'],
        ['web-prod', 'ssh', 'allowed'],
      ],
    );

    const result = await call(client, 'query', {
      target: 'prod-db',
      sql: 'SELECT id, email, ssn FROM public.users ORDER BY id',
    });
    assert.equal(result.isError, undefined, text(result));
    const out = result.structuredContent!;
    assert.deepEqual(out.columns, ['id', 'email', 'ssn']);
    const rows = out.rows as string[][];
    assert.equal(rows.length, 2);
    assert.equal(rows[0]![0], '1');
    assert.notEqual(rows[0]![1], 'alice@example.com');
    assert.notEqual(rows[0]![2], '123-45-6789');
    assert.doesNotMatch(JSON.stringify(result), /alice@example\.com|123-45-6789|bob@example\.org/);
    assert.deepEqual(out.maskedColumns, ['public.users.email', 'public.users.ssn']);
    assert.equal(out.truncated, false);

    // Bind parameters: one statement on the extended protocol, masked alike, the values recorded.
    const bound = await call(client, 'query', {
      target: 'prod-db',
      sql: 'SELECT id, email, ssn FROM public.users WHERE id = $1',
      parameters: [2],
    });
    assert.equal(bound.isError, undefined, text(bound));
    assert.equal((bound.structuredContent!.rows as string[][]).length, 1);
    assert.equal((bound.structuredContent!.rows as string[][])[0]![0], '2');
    assert.doesNotMatch(JSON.stringify(bound), /bob@example\.org|987-65-4320/);
    assert.deepEqual(bound.structuredContent!.maskedColumns, ['public.users.email', 'public.users.ssn']);
    const recorded = events('CommandReceived').find((e) => String(e.text).endsWith('WHERE id = $1'));
    assert.deepEqual(recorded?.parameters, ['2']);

    const limited = await call(client, 'query', { target: 'prod-db', sql: 'SELECT generate_series(1, 200)' });
    assert.equal((limited.structuredContent!.rows as unknown[]).length, 50, 'capped at mcp.maxRows');
    assert.equal(limited.structuredContent!.rowCount, 200);
    assert.equal(limited.structuredContent!.truncated, true);

    // The target's statementTimeoutMs holds for MCP statements too: PostgreSQL's own 57014.
    const slow = await call(client, 'query', { target: 'prod-db', sql: 'SELECT pg_sleep(60)' });
    assert.equal(slow.isError, true);
    assert.match(text(slow), /canceling statement due to user request \(SQLSTATE 57014\)/);

    const opened = events('SessionOpened').filter((e) => e.frontEnd === 'mcp');
    assert.equal(opened.length, 1);
    assert.equal((opened[0]!.identity as { subject: string }).subject.length > 0, true);
    const masked = (
      await eventually('ResultMasked', (all) => all.some((e) => e.sessionId === opened[0]!.sessionId))
    ).filter((e) => e.sessionId === opened[0]!.sessionId);
    assert.ok(masked.length >= 1, 'ResultMasked recorded');
    await disconnect(client);
    const closed = (
      await eventually('SessionClosed', (all) => all.some((e) => e.sessionId === opened[0]!.sessionId))
    ).find((e) => e.sessionId === opened[0]!.sessionId);
    assert.equal(closed?.reason, 'client_terminated');
    assert.ok(
      (closed?.bytesFromClient as number) > 0 && (closed?.bytesToClient as number) > 0,
      'bytes counted',
    );
  });

  it('denies a DROP with the portcullis reason, and nothing reaches the server', async () => {
    const client = await connect(AGENT);
    const result = await call(client, 'query', { target: 'prod-db', sql: 'DROP TABLE public.users' });
    assert.equal(result.isError, true);
    assert.match(
      text(result),
      /^portcullis: denied: statement 1 \(drop\): drop is not allowed on target prod-db/,
    );
    assert.equal(sql("SELECT to_regclass('public.users') IS NOT NULL"), 't');
    // The session stays usable.
    const after = await call(client, 'query', {
      target: 'prod-db',
      sql: 'SELECT count(*) FROM public.users',
    });
    assert.deepEqual(after.structuredContent!.rows, [['2']]);
    await disconnect(client);
  });

  it('pauses a DELETE without WHERE, runs exactly it once granted through the REST API, and no other statement rides the grant', async () => {
    const client = await connect(AGENT);
    const pending = await call(client, 'query', { target: 'prod-db', sql: 'DELETE FROM public.sessions' });
    assert.equal(pending.isError, undefined, text(pending));
    assert.equal(pending.structuredContent!.status, 'pending');
    const approvalId = pending.structuredContent!.approvalId as string;
    assert.match(text(pending), new RegExp(`approval ${approvalId} required`));
    assert.match(
      String(pending.structuredContent!.whereToDecide),
      new RegExp(`/api/approvals/${approvalId}`),
    );
    assert.equal(sql('SELECT count(*) FROM public.sessions'), '3', 'nothing ran while pending');

    const early = await call(client, 'await_approval', { approvalId, waitSeconds: 1 });
    assert.equal(early.structuredContent!.status, 'pending');

    const granted = await rest('POST', `/api/approvals/${approvalId}/grant`, APPROVER, { comment: 'ok' });
    assert.equal(granted.status, 200, JSON.stringify(granted.body));

    // Another statement after the grant needs its own approval.
    const other = await call(client, 'query', { target: 'prod-db', sql: 'DELETE FROM public.audit_tmp' });
    assert.equal(other.structuredContent!.status, 'pending');
    assert.notEqual(other.structuredContent!.approvalId, approvalId);
    // Nor can another agent collect this session's approval.
    const stranger = await connect(OTHER_AGENT);
    const stolen = await call(stranger, 'await_approval', { approvalId, waitSeconds: 1 });
    assert.equal(stolen.isError, true);
    assert.equal(sql('SELECT count(*) FROM public.sessions'), '3');

    const ran = await call(client, 'await_approval', { approvalId, waitSeconds: 20 });
    assert.equal(ran.isError, undefined, text(ran));
    assert.deepEqual(ran.structuredContent!.commandTags, ['DELETE 3']);
    assert.equal(sql('SELECT count(*) FROM public.sessions'), '0');
    assert.equal(sql('SELECT count(*) FROM public.audit_tmp'), '2', 'the other statement did not run');

    const again = await call(client, 'await_approval', { approvalId, waitSeconds: 1 });
    assert.equal(again.isError, true, 'an approval is collected once');

    const decided = events('CommandDecided').filter((e) => e.approvalId === approvalId);
    assert.deepEqual(
      decided.map((e) => e.outcome),
      ['allow'],
    );
    await disconnect(client);
    await disconnect(stranger);
    // The statement left waiting when its session ended never runs.
    assert.equal(sql('SELECT count(*) FROM public.audit_tmp'), '2');
  });

  it('refuses a statement whose approval was denied through the REST API', async () => {
    const client = await connect(AGENT);
    const statement = 'UPDATE public.users SET active = false WHERE 1 = 1';
    const pending = await call(client, 'query', { target: 'prod-db', sql: statement });
    assert.equal(pending.structuredContent!.status, 'pending', text(pending));
    const approvalId = pending.structuredContent!.approvalId as string;
    const refused = await rest('POST', `/api/approvals/${approvalId}/deny`, APPROVER, { comment: 'no' });
    assert.equal(refused.status, 200, JSON.stringify(refused.body));
    const result = await call(client, 'await_approval', { approvalId, waitSeconds: 20 });
    assert.equal(result.isError, true);
    assert.match(text(result), new RegExp(`^portcullis: denied: approval ${approvalId} denied`));
    assert.equal(sql('SELECT count(*) FROM public.users WHERE active'), '2', 'nothing ran');
    await disconnect(client);
  });

  it('runs an allowed exec and refuses a denied one, decided like an SSH exec (checked on the host)', async () => {
    const client = await connect(AGENT);
    const allowed = await call(client, 'exec', { target: 'web-1', command: 'echo hello-from-mcp' });
    assert.equal(allowed.isError, undefined, text(allowed));
    assert.equal(allowed.structuredContent!.exitStatus, 0);
    assert.equal(allowed.structuredContent!.stdout, 'hello-from-mcp\n');

    const failing = await call(client, 'exec', { target: 'web-1', command: 'ls /no-such-dir-here' });
    assert.equal(failing.structuredContent!.exitStatus, 2);
    assert.match(String(failing.structuredContent!.stderr), /No such file/);

    const marker = `/dev/shm/portcullis-mcp-e2e-${process.pid}`;
    const denied = await call(client, 'exec', {
      target: 'web-1',
      command: `dd if=/dev/zero of=${marker} bs=1 count=1`,
    });
    assert.equal(denied.isError, true);
    assert.match(text(denied), /^portcullis: denied: dd onto device/);
    assert.equal(existsSync(marker), false, 'the denied command ran on the host');

    const opened = events('SessionOpened').filter((e) => e.protocol === 'ssh');
    assert.deepEqual(
      opened.map((e) => e.frontEnd),
      ['mcp'],
    );
    await disconnect(client);

    // The same command lines through real ssh on the SSH listener are decided the same.
    const commands = ['echo hello-from-mcp', `dd if=/dev/zero of=${marker} bs=1 count=1`];
    const token = await oidc.issueToken(AGENT);
    for (const command of commands) {
      spawnSync(
        'sshpass',
        ['-e', 'ssh', ...OPENSSH_TOKEN_OPTIONS, '-p', String(sshPort), 'web-1@127.0.0.1', command],
        {
          env: { ...process.env, SSHPASS: token },
          timeout: 30_000,
        },
      );
    }
    assert.equal(existsSync(marker), false);
    const decided = decisionsByFrontEnd(commands);
    for (const command of commands) {
      assert.ok(decided.get('wire')!.get(command) && decided.get('mcp')!.get(command), command);
      assert.deepEqual(decided.get('mcp')!.get(command), decided.get('wire')!.get(command), command);
    }
  });

  it('pauses an exec that needs review, and refuses it once the approval is denied', async () => {
    const client = await connect(AGENT);
    const command = 'sudo systemctl restart nginx';
    const pending = await call(client, 'exec', { target: 'web-prod', command });
    assert.equal(pending.structuredContent!.status, 'pending', text(pending));
    const approvalId = pending.structuredContent!.approvalId as string;
    const refused = await rest('POST', `/api/approvals/${approvalId}/deny`, APPROVER, { comment: 'not now' });
    assert.equal(refused.status, 200, JSON.stringify(refused.body));
    const result = await call(client, 'await_approval', { approvalId, waitSeconds: 20 });
    assert.equal(result.isError, true);
    assert.match(text(result), new RegExp(`^portcullis: denied: approval ${approvalId} denied`));
    const blocked = await eventually('CommandBlocked', (all) =>
      all.some((e) => String(e.reason).includes(approvalId)),
    );
    assert.ok(blocked.some((e) => e.errorCode === 'exit 126'));
  });

  it('holds an identity to mcp.maxSessionsPerIdentity MCP sessions', async () => {
    const held = [await connect(AGENT), await connect(AGENT), await connect(AGENT)];
    await assert.rejects(connect(AGENT), /too many MCP sessions for this identity \(at most 3\)/);
    // Another identity has its own count.
    const other = await connect(OTHER_AGENT);
    await disconnect(held.pop()!);
    held.push(await connect(AGENT));
    for (const client of [...held, other]) await disconnect(client);
  });

  it('decides the shipped fixtures statements exactly as it decides them for psql', async () => {
    const texts = await fixtureStatements();
    assert.ok(texts.length >= 10, `fixtures found: ${texts.length}`);
    const client = await connect(AGENT);
    for (const statement of texts) await call(client, 'query', { target: 'prod-db', sql: statement });
    for (const statement of texts) await psql(statement);

    const firstDecisions = decisionsByFrontEnd(texts);
    for (const statement of texts) {
      const wire = firstDecisions.get('wire')!.get(statement);
      const mcp = firstDecisions.get('mcp')!.get(statement);
      assert.ok(wire && mcp, `both front ends decided ${statement}`);
      assert.deepEqual(mcp, wire, statement);
    }
    assert.ok(
      [...firstDecisions.get('mcp')!.values()].some((d) => (d as { outcome: string }).outcome === 'review'),
      'a review among them',
    );
    await disconnect(client);

    // The read model tells an MCP agent from a psql client.
    let frontEnds = new Set<string>();
    for (let i = 0; i < 100 && frontEnds.size < 2; i++) {
      const page = await rest('GET', '/api/sessions?target=prod-db&limit=200', AUDITOR);
      frontEnds = new Set((page.body.items as { frontEnd: string }[]).map((s) => s.frontEnd));
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual([...frontEnds].sort(), ['mcp', 'wire']);
  });

  /** Per front end (wire, mcp), the first CommandDecided of each text: outcome, reasons, masks. */
  function decisionsByFrontEnd(texts: readonly string[]): Map<string, Map<string, unknown>> {
    const opened = events('SessionOpened');
    const frontEndOf = new Map(opened.map((e) => [e.sessionId as string, (e.frontEnd as string) ?? 'wire']));
    const received = new Map(
      events('CommandReceived').map((e) => [
        `${e.sessionId as string}/${e.sequence as number}`,
        e.text as string,
      ]),
    );
    const first = new Map<string, Map<string, unknown>>([
      ['wire', new Map()],
      ['mcp', new Map()],
    ]);
    for (const e of events('CommandDecided')) {
      const statement = received.get(`${e.sessionId as string}/${e.sequence as number}`);
      const byFrontEnd = first.get(frontEndOf.get(e.sessionId as string) ?? 'wire')!;
      if (statement === undefined || !texts.includes(statement) || byFrontEnd.has(statement)) continue;
      byFrontEnd.set(statement, { outcome: e.outcome, reasons: e.reasons, masks: e.masks ?? [] });
    }
    return first;
  }

  /** The PostgreSQL statements of the shipped decision fixtures (policies-rego/fixtures/command). */
  async function fixtureStatements(): Promise<string[]> {
    const fixtures = new URL('../../../policies-rego/fixtures/command/', import.meta.url);
    const { readdir } = await import('node:fs/promises');
    const texts: string[] = [];
    for (const name of (await readdir(fixtures)).sort()) {
      const fixture = JSON.parse(await readFile(new URL(name, fixtures), 'utf8')) as {
        input: { command: { protocol: string; text: string } };
      };
      const { protocol, text: statement } = fixture.input.command;
      if (protocol === 'postgres' && !texts.includes(statement)) texts.push(statement);
    }
    return texts;
  }

  async function isPending(statement: string): Promise<boolean> {
    const { body } = await rest('GET', '/api/approvals?status=pending', APPROVER);
    const mcpSessions = new Set(
      events('SessionOpened')
        .filter((e) => e.frontEnd === 'mcp')
        .map((e) => e.sessionId),
    );
    return (body.items as { text: string; sessionId: string }[]).some(
      (a) => a.text === statement && !mcpSessions.has(a.sessionId),
    );
  }

  /** One statement through real psql on the proxy; a paused one is given up once its approval is pending. */
  async function psql(statement: string): Promise<void> {
    const env = { ...process.env, PGPASSWORD: await oidc.issueToken(AGENT) };
    const conn = `host=127.0.0.1 port=${proxyPort} dbname=prod-db user=agent sslmode=disable`;
    const child = spawn(psqlBin, [conn, '-Atc', statement], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null) break;
      if (/approval \S+ required/.test(stderr) || (await isPending(statement))) {
        child.kill('SIGKILL');
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await exited;
  }
});
