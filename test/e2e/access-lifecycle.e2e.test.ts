/**
 * Operators taking access away (issue 17, parts 3 and 4), as operators run
 * it: two `portcullis serve` instances on one PostgreSQL event store, a real
 * OIDC provider issuing the agent's, an admin's and an approver's tokens,
 * node-postgres and real `ssh` as the agents (the SSH target in front of a
 * real sshd). Terminations and revocations are issued to one instance and
 * acted on by the instance holding the session; the store is read for what
 * was recorded.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import {
  freePort,
  grantingPolicyBundle,
  OPENSSH_TOKEN_OPTIONS,
  postgresBinDir,
  PORTCULLIS_BIN,
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
const APPROVER = 'dba-approver';

interface Instance {
  readonly name: string;
  readonly api: string;
  readonly pgPort: number;
  readonly sshPort: number;
  readonly config: string;
  serve?: ServeProcess;
}

/** Polls `probe` until it returns a value; fails with `what` after ~10 s. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(what);
}

describe('terminating sessions and revoking identities across two gateway instances', () => {
  let dir: TempDir;
  let pgServer: PostgresServer;
  let oidc: OidcProvider;
  let sshd: SshdServer;
  const instances = new Map<string, Instance>();
  const seen = new Set<string>();

  const storeSql = (statement: string) =>
    execFileSync(psqlBin, [pgServer.url('portcullis'), '-Atc', statement])
      .toString()
      .trim();

  /** The data of the last event of `type` in `stream`, read from the store itself. */
  const lastEvent = (stream: string, type: string) => {
    const row = storeSql(
      `SELECT data FROM portcullis_events WHERE stream_name = '${stream}' AND event_type = '${type}' ORDER BY stream_revision DESC LIMIT 1`,
    );
    return row ? (JSON.parse(row) as Record<string, unknown>) : undefined;
  };

  async function api(instance: Instance, method: string, path: string, client?: string, body?: unknown) {
    const response = await fetch(`${instance.api}${path}`, {
      method,
      headers: {
        ...(client ? { authorization: `Bearer ${await oidc.issueToken(client)}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** The id of the one open session of `target` this test has not seen yet (from the store). */
  function newOpenSession(target: string): Promise<string> {
    return eventually(`no new open session of ${target}`, async () => {
      const ids = storeSql(
        `SELECT data->>'sessionId' FROM portcullis_events o WHERE event_type = 'SessionOpened' AND data->'target'->>'name' = '${target}'
           AND NOT EXISTS (SELECT 1 FROM portcullis_events c WHERE c.stream_name = o.stream_name AND c.event_type = 'SessionClosed')`,
      )
        .split('\n')
        .filter((id) => id && !seen.has(id));
      if (ids.length !== 1) return undefined;
      seen.add(ids[0]!);
      return ids[0];
    });
  }

  /** A node-postgres session through an instance's proxy, with its fatal error (if one comes) caught. */
  async function agentSession(instance: Instance) {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: instance.pgPort,
      database: 'prod-db',
      user: 'agent',
      password: await oidc.issueToken(AGENT),
    });
    const ended = new Promise<Error & { code?: string }>((resolve) => client.on('error', resolve));
    await client.connect();
    assert.equal((await client.query('SELECT 1 AS one')).rows[0].one, 1);
    return { client, ended };
  }

  /** Connects and reports the SQLSTATE it was refused with (undefined: it got in). */
  async function connectCode(instance: Instance): Promise<string | undefined> {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: instance.pgPort,
      database: 'prod-db',
      user: 'agent',
      password: await oidc.issueToken(AGENT),
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return undefined;
    } catch (error) {
      return (error as { code?: string; message: string }).code ?? (error as Error).message;
    }
  }

  function cli(args: string[], client: string) {
    return oidc.issueToken(client).then((token) =>
      spawnSync(process.execPath, [PORTCULLIS_BIN, ...args], {
        env: { ...process.env, PORTCULLIS_TOKEN: token },
        encoding: 'utf8',
        timeout: 30_000,
      }),
    );
  }

  before(async () => {
    dir = await tempDir('portcullis-access-e2e-');
    [pgServer, oidc] = await Promise.all([
      startPostgres(),
      startOidcProvider({
        clients: [
          { clientId: AGENT },
          { clientId: ADMIN, groups: ['platform-admins'] },
          { clientId: APPROVER, groups: ['dba-oncall'] },
        ],
      }),
    ]);
    const keyFile = join(dir.path, 'upstream_key');
    await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
    sshd = await startSshd({ authorizedKeys: [(await readFile(`${keyFile}.pub`, 'utf8')).trim()] });
    execFileSync(psqlBin, [pgServer.url('postgres'), '-Atc', 'CREATE DATABASE portcullis']);
    const bundle = await grantingPolicyBundle(dir.path, {
      issuer: oidc.issuer,
      appIds: [AGENT],
      targetLabels: [{ env: ['production'], kind: ['database'] }, { kind: ['host'] }],
    });
    for (const name of ['a', 'b']) {
      const [apiPort, pgPort, sshPort] = [await freePort(), await freePort(), await freePort()];
      const file = join(dir.path, `portcullis-${name}.yaml`);
      const yaml =
        serveConfigYaml({
          instance: `gw-${name}`,
          apiPort,
          adminGroups: ['platform-admins'],
          store: `{ kind: postgres, url: "${pgServer.url('portcullis')}" }`,
          policy: `{ bundle: ${bundle} }`,
          issuer: oidc,
          target: { listenPort: pgPort, upstreamPort: pgServer.port },
          extra: [`ssh: { hostKeyFile: ${join(dir.path, `host_key_${name}`)} }`],
        }) +
        [
          '  - name: web-1',
          '    protocol: ssh',
          `    listen: "127.0.0.1:${sshPort}"`,
          '    labels: { env: dev, kind: host }',
          `    upstream: { host: 127.0.0.1, port: ${sshd.port}, user: ${sshd.user}, privateKeyFile: ${keyFile}, hostKey: "${sshd.hostPublicKey}" }`,
          '',
        ].join('\n');
      await writeFile(file, yaml);
      instances.set(name, { name, api: `http://127.0.0.1:${apiPort}`, pgPort, sshPort, config: file });
    }
    // One after the other: both migrate the same database.
    for (const instance of instances.values()) instance.serve = await startServe(instance.config);
  });

  after(async () => {
    for (const instance of instances.values()) await instance.serve?.stop('SIGKILL').catch(() => undefined);
    await sshd?.stop();
    await oidc?.stop();
    await pgServer?.stop();
    await dir?.remove();
  });

  it('a PostgreSQL session held by B, terminated through A: 57P01 with the reason, and SessionClosed names who and why', async () => {
    const [a, b] = [instances.get('a')!, instances.get('b')!];
    const { client, ended } = await agentSession(b);
    const sessionId = await newOpenSession('prod-db');
    // The admin finds it in the sessions list of either instance (one store).
    await eventually('the session is not in GET /api/sessions of A', async () => {
      const open = await api(a, 'GET', '/api/sessions?status=open&target=prod-db', ADMIN);
      assert.equal(open.status, 200, JSON.stringify(open.body));
      return (open.body.items as { sessionId: string }[]).some((s) => s.sessionId === sessionId) || undefined;
    });

    const answer = await api(a, 'POST', `/api/sessions/${sessionId}/terminate`, ADMIN, {
      reason: 'incident 42',
    });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    assert.equal(answer.body.status, 'terminating');

    const error = await ended;
    assert.equal(error.code, '57P01');
    assert.equal(error.message, 'portcullis: session terminated by platform-admin: incident 42');
    await client.end().catch(() => undefined);

    const closed = await eventually('no SessionClosed', async () =>
      lastEvent(`session-${sessionId}`, 'SessionClosed'),
    );
    assert.equal(closed.reason, 'terminated');
    assert.equal(closed.terminationReason, 'incident 42');
    assert.equal((closed.terminatedBy as { subject: string }).subject, ADMIN);
    const requested = lastEvent(`termination-${sessionId}`, 'SessionTerminationRequested');
    assert.equal((requested?.requestedBy as { subject: string }).subject, ADMIN);

    // Closed now: 409; and a session that never existed: 404.
    const again = await api(a, 'POST', `/api/sessions/${sessionId}/terminate`, ADMIN);
    assert.equal(again.status, 409);
    assert.equal(again.body.reason, 'session_closed');
    const unknown = await api(
      a,
      'POST',
      '/api/sessions/00000000-0000-4000-8000-000000000000/terminate',
      ADMIN,
    );
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.reason, 'unknown_session');
  });

  it('refuses callers outside api.adminGroups (approvers are not admins) and callers without a token', async () => {
    const [a, b] = [instances.get('a')!, instances.get('b')!];
    const { client, ended } = await agentSession(b);
    const sessionId = await newOpenSession('prod-db');
    const approver = await api(a, 'POST', `/api/sessions/${sessionId}/terminate`, APPROVER);
    assert.equal(approver.status, 403);
    assert.equal(approver.body.reason, 'not_an_admin');
    const agent = await api(a, 'POST', '/api/identities/revoke', AGENT, { appId: AGENT, reason: 'self' });
    assert.equal(agent.status, 403);
    const anonymous = await api(a, 'POST', `/api/sessions/${sessionId}/terminate`);
    assert.equal(anonymous.status, 401);
    // Nor may they list the sessions (identities, client addresses).
    const approverList = await api(a, 'GET', '/api/sessions', APPROVER);
    assert.equal(approverList.status, 403);
    assert.equal(approverList.body.reason, 'not_an_auditor_or_admin');
    assert.equal((await api(a, 'GET', '/api/sessions')).status, 401);
    // Nothing was ended: the session still answers.
    assert.equal((await client.query('SELECT 2 AS two')).rows[0].two, 2);
    await client.end();
    void ended;
    await eventually('the session did not close', async () =>
      lastEvent(`session-${sessionId}`, 'SessionClosed'),
    );
    assert.equal(lastEvent(`termination-${sessionId}`, 'SessionTerminationRequested'), undefined);
  });

  it('an SSH session held by B, terminated with the CLI through A: a message on the channel, then closed', async () => {
    const [a, b] = [instances.get('a')!, instances.get('b')!];
    const token = await oidc.issueToken(AGENT);
    const ssh = spawn(
      'sshpass',
      ['-e', 'ssh', ...OPENSSH_TOKEN_OPTIONS, '-p', String(b.sshPort), 'web-1@127.0.0.1', 'sleep 60'],
      { env: { ...process.env, SSHPASS: token }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    ssh.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => ssh.once('exit', (code) => resolve(code)));
    try {
      const sessionId = await newOpenSession('web-1');
      // The command is running on the host before we end it.
      await eventually('sleep never started', async () =>
        lastEvent(`session-${sessionId}`, 'CommandForwarded'),
      );
      const terminate = await cli(
        ['sessions', 'terminate', sessionId, '--reason', 'host maintenance', '--api', a.api],
        ADMIN,
      );
      assert.equal(terminate.status, 0, terminate.stderr);
      assert.match(terminate.stdout, new RegExp(`session ${sessionId}: terminating \\(host maintenance\\)`));
      const code = await exited;
      assert.notEqual(code, 0);
      assert.match(stderr, /portcullis: session terminated by platform-admin: host maintenance/);
      const closed = await eventually('no SessionClosed', async () =>
        lastEvent(`session-${sessionId}`, 'SessionClosed'),
      );
      assert.equal(closed.reason, 'terminated');
      assert.equal(closed.terminationReason, 'host maintenance');
    } finally {
      ssh.kill('SIGKILL');
    }
  });

  it('an interactive SSH shell held by A, terminated through B: the message in the terminal, then closed', async () => {
    const [a, b] = [instances.get('a')!, instances.get('b')!];
    const ssh = spawn(
      'sshpass',
      ['-e', 'ssh', ...OPENSSH_TOKEN_OPTIONS, '-tt', '-p', String(a.sshPort), 'web-1@127.0.0.1'],
      { env: { ...process.env, SSHPASS: await oidc.issueToken(AGENT) }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let output = '';
    ssh.stdout.on('data', (d: Buffer) => (output += d.toString()));
    ssh.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => ssh.once('exit', (code) => resolve(code)));
    try {
      const sessionId = await newOpenSession('web-1');
      ssh.stdin.write('echo shell-is-up\n');
      await eventually('the shell never answered', async () =>
        output.includes('shell-is-up\r\n') ? true : undefined,
      );
      const answer = await api(b, 'POST', `/api/sessions/${sessionId}/terminate`, ADMIN, {
        reason: 'end of shift',
      });
      assert.equal(answer.status, 202, JSON.stringify(answer.body));
      assert.notEqual(await exited, 0);
      assert.match(output, /portcullis: session terminated by platform-admin: end of shift/);
      const closed = await eventually('no SessionClosed', async () =>
        lastEvent(`session-${sessionId}`, 'SessionClosed'),
      );
      assert.equal(closed.reason, 'terminated');
    } finally {
      ssh.kill('SIGKILL');
    }
  });

  it('a revoked identity: its live session on A is ended, new ones refused with 28000 on both, across a restart, until the revocation is lifted', async () => {
    const [a, b] = [instances.get('a')!, instances.get('b')!];
    const { client, ended } = await agentSession(a);
    const sessionId = await newOpenSession('prod-db');
    const opened = lastEvent(`session-${sessionId}`, 'SessionOpened')!;
    const { subject, issuer } = opened.identity as { subject: string; issuer: string };

    const revoked = await api(b, 'POST', '/api/identities/revoke', ADMIN, {
      issuer,
      subject,
      reason: 'credential leaked',
    });
    assert.equal(revoked.status, 201, JSON.stringify(revoked.body));
    const revocationId = String(revoked.body.revocationId);

    const error = await ended;
    assert.equal(error.code, '57P01');
    assert.equal(error.message, 'portcullis: session terminated: access revoked');
    await client.end().catch(() => undefined);
    const closed = await eventually('no SessionClosed', async () =>
      lastEvent(`session-${sessionId}`, 'SessionClosed'),
    );
    assert.equal(closed.reason, 'identity_revoked');
    assert.equal(closed.revocationId, revocationId);
    assert.equal((closed.terminatedBy as { subject: string }).subject, ADMIN);

    // New sessions: 28000 on both instances, the reason only in the event; SSH: an authentication failure.
    for (const instance of [a, b]) assert.equal(await connectCode(instance), '28000', instance.name);
    const ssh = spawnSync(
      'sshpass',
      ['-e', 'ssh', ...OPENSSH_TOKEN_OPTIONS, '-p', String(b.sshPort), 'web-1@127.0.0.1', 'echo in'],
      { env: { ...process.env, SSHPASS: await oidc.issueToken(AGENT) }, encoding: 'utf8', timeout: 30_000 },
    );
    assert.notEqual(ssh.status, 0);
    assert.doesNotMatch(ssh.stdout, /in/);
    assert.match(ssh.stderr, /Permission denied/);
    assert.doesNotMatch(ssh.stderr, /credential leaked/);
    const rejected = storeSql(
      `SELECT data->>'detail' FROM portcullis_events WHERE event_type = 'SessionRejected' AND data->>'reason' = 'identity_revoked' ORDER BY global_position DESC LIMIT 1`,
    );
    assert.match(rejected, new RegExp(`revocation ${revocationId} by platform-admin\\): credential leaked`));

    const health = (await (await fetch(`${a.api}/health`)).json()) as {
      info: { revocations: { status: string; active: number } };
    };
    assert.deepEqual(health.info.revocations, { status: 'up', active: 1 });
    const listed = await cli(['identities', 'list', '--api', a.api], ADMIN);
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${revocationId}  ${subject} of`));

    // It survives a restart: the revocation set is rebuilt from the store.
    assert.equal(await a.serve!.stop(), 0);
    a.serve = await startServe(a.config);
    assert.equal(await connectCode(a), '28000');

    const lifted = await cli(['identities', 'unrevoke', revocationId, '--api', a.api], ADMIN);
    assert.equal(lifted.status, 0, lifted.stderr);
    assert.match(lifted.stdout, new RegExp(`revocation ${revocationId} lifted`));
    for (const instance of [a, b]) {
      await eventually(`still refused on ${instance.name} after the lift`, async () =>
        (await connectCode(instance)) === undefined ? true : undefined,
      );
    }
    const twice = await api(b, 'DELETE', `/api/identities/revocations/${revocationId}`, ADMIN);
    assert.equal(twice.status, 409);
    assert.equal(twice.body.reason, 'already_lifted');
  });
});
