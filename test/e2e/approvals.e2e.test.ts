/**
 * Just-in-time approvals across gateway instances, as operators run them:
 * two `portcullis serve` processes on one PostgreSQL event store, a real
 * OIDC provider issuing the agent's and the approvers' tokens, real `psql`
 * pausing on instance A, and grants through instance B's REST API and the
 * `portcullis approvals` CLI. The upstream is checked for what ran.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import {
  freePort,
  grantingPolicyBundle,
  postgresBinDir,
  startOidcProvider,
  startPostgres,
  serveConfigYaml,
  startServe,
  tempDir,
  PORTCULLIS_BIN,
  type OidcProvider,
  type ServeProcess,
  type PostgresServer,
  type TempDir,
} from '@portcullis/test-support';

const psqlBin = join(postgresBinDir(), 'psql');
const AGENT = 'ci-deployer';
const APPROVER = 'dba-approver';
const OUTSIDER = 'dev-outsider';
/** Approvers get this long to decide (the shipped policy's data says 900 s; tests need expiry to come). */
const TTL_SECONDS = 10;

interface Instance {
  readonly name: string;
  readonly api: string;
  readonly proxyPort: number;
  readonly config: string;
  serve?: ServeProcess;
}

interface Approval {
  approvalId: string;
  status: string;
  text: string;
  grantedBy: { subject: string }[];
  refusedAttempts: number;
  timeToDecisionMs: number | null;
}

describe('approvals across two gateway instances on one PostgreSQL store', () => {
  let dir: TempDir;
  let pgServer: PostgresServer;
  let oidc: OidcProvider;
  const instances = new Map<string, Instance>();

  const sql = (statement: string, database = 'postgres') =>
    execFileSync(psqlBin, [pgServer.url(database), '-Atc', statement])
      .toString()
      .trim();

  async function startInstance(name: string): Promise<Instance> {
    const instance = instances.get(name)!;
    instance.serve = await startServe(instance.config);
    return instance;
  }

  async function stopInstance(name: string, signal: NodeJS.Signals): Promise<void> {
    await instances.get(name)?.serve?.stop(signal);
  }

  async function api(instance: Instance, method: string, path: string, client: string, body?: unknown) {
    const response = await fetch(`${instance.api}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await oidc.issueToken(client)}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function pending(instance: Instance, text: string): Promise<Approval> {
    for (let i = 0; i < 300; i++) {
      const { body } = await api(instance, 'GET', '/api/approvals?status=pending', APPROVER);
      const found = (body.items as Approval[]).find((a) => a.text === text);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no pending approval for ${text}`);
  }

  async function approval(
    instance: Instance,
    id: string,
    until: (a: Approval) => boolean,
  ): Promise<Approval> {
    let last: Approval | undefined;
    for (let i = 0; i < 300; i++) {
      const { body } = await api(instance, 'GET', `/api/approvals/${id}`, APPROVER);
      last = body as unknown as Approval;
      if (until(last)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`approval ${id} never reached the expected state: ${JSON.stringify(last)}`);
  }

  /** psql through an instance's proxy, running until the statement completes or is refused. */
  async function agent(instance: Instance, statement: string) {
    const env = { ...process.env, PGPASSWORD: await oidc.issueToken(AGENT) };
    const conn = `host=127.0.0.1 port=${instance.proxyPort} dbname=prod-db user=agent sslmode=disable`;
    return promisify(execFile)(psqlBin, [conn, '-Atc', statement], { env }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({
        code: e.code,
        stdout: e.stdout,
        stderr: e.stderr,
      }),
    );
  }

  before(async () => {
    dir = await tempDir('portcullis-approvals-e2e-');
    [pgServer, oidc] = await Promise.all([
      startPostgres(),
      startOidcProvider({
        clients: [
          { clientId: AGENT },
          { clientId: APPROVER, groups: ['dba-oncall'] },
          { clientId: OUTSIDER, groups: ['developers'] },
        ],
      }),
    ]);
    sql('CREATE DATABASE portcullis');
    const bundle = await grantingPolicyBundle(dir.path, {
      issuer: oidc.issuer,
      appIds: [AGENT],
      targetLabels: [{ env: ['production'], kind: ['database'] }],
      reviewTtlSeconds: TTL_SECONDS,
    });
    for (const name of ['a', 'b']) {
      const [apiPort, proxyPort] = [await freePort(), await freePort()];
      const file = join(dir.path, `portcullis-${name}.yaml`);
      await writeFile(
        file,
        serveConfigYaml({
          instance: `gw-${name}`,
          apiPort,
          store: `{ kind: postgres, url: "${pgServer.url('portcullis')}" }`,
          policy: `{ bundle: ${bundle} }`,
          issuer: oidc,
          target: { listenPort: proxyPort, upstreamPort: pgServer.port },
        }),
      );
      instances.set(name, { name, api: `http://127.0.0.1:${apiPort}`, proxyPort, config: file });
    }
    // One after the other: both migrate the same database.
    await startInstance('a');
    await startInstance('b');
  });

  after(async () => {
    for (const name of instances.keys()) await stopInstance(name, 'SIGKILL').catch(() => undefined);
    await oidc?.stop();
    await pgServer?.stop();
    await dir?.remove();
  });

  it('a statement paused on instance A is released by a grant through instance B', async () => {
    const [a, b] = [instances.get('a')!, instances.get('b')!];
    const text = 'CREATE TABLE public.released_by_b (id int)';
    const running = agent(a, text);
    const waiting = await pending(b, text);
    assert.equal(sql("SELECT to_regclass('public.released_by_b') IS NULL"), 't', 'nothing ran while paused');
    const granted = await api(b, 'POST', `/api/approvals/${waiting.approvalId}/grant`, APPROVER, {
      comment: 'looks fine',
    });
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    assert.deepEqual(granted.body, {
      approvalId: waiting.approvalId,
      status: 'granted',
      grants: 1,
      minApprovals: 1,
    });
    const result = await running;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`approval ${waiting.approvalId} required`));
    assert.equal(sql("SELECT to_regclass('public.released_by_b') IS NOT NULL"), 't');
    const decided = await approval(a, waiting.approvalId, (x) => x.status === 'granted');
    assert.deepEqual(
      decided.grantedBy.map((g) => g.subject),
      [APPROVER],
    );
    assert.ok(decided.timeToDecisionMs !== null && decided.timeToDecisionMs > 0);
  });

  it('the CLI grants a paused statement', async () => {
    const [a, b] = [instances.get('a')!, instances.get('b')!];
    const text = 'CREATE TABLE public.released_by_cli (id int)';
    const running = agent(a, text);
    const waiting = await pending(b, text);
    const list = spawnSync(process.execPath, [PORTCULLIS_BIN, 'approvals', 'list', '--api', b.api], {
      env: { ...process.env, PORTCULLIS_TOKEN: await oidc.issueToken(APPROVER) },
      encoding: 'utf8',
    });
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`${waiting.approvalId}\\s+pending`));
    const grant = spawnSync(
      process.execPath,
      [
        PORTCULLIS_BIN,
        'approvals',
        'grant',
        waiting.approvalId,
        '--api',
        b.api,
        '--comment',
        'ok from the CLI',
      ],
      { env: { ...process.env, PORTCULLIS_TOKEN: await oidc.issueToken(APPROVER) }, encoding: 'utf8' },
    );
    assert.equal(grant.status, 0, grant.stderr);
    assert.match(grant.stdout, new RegExp(`approval ${waiting.approvalId}: granted \\(1/1 approvals\\)`));
    const result = await running;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(sql("SELECT to_regclass('public.released_by_cli') IS NOT NULL"), 't');
  });

  it('refuses bad decisions with a clear 4xx and records each attempt', async () => {
    const [a, b] = [instances.get('a')!, instances.get('b')!];
    const text = 'CREATE TABLE public.never_created (id int)';
    const running = agent(a, text);
    const waiting = await pending(b, text);
    const id = waiting.approvalId;

    const outsider = await api(b, 'POST', `/api/approvals/${id}/grant`, OUTSIDER);
    assert.equal(outsider.status, 403);
    assert.equal(outsider.body.reason, 'not_an_approver');
    assert.match(String(outsider.body.title), /must belong to one of: dba-oncall/);

    const self = await api(b, 'POST', `/api/approvals/${id}/grant`, AGENT);
    assert.equal(self.status, 403);
    assert.equal(self.body.reason, 'self_approval');

    const unknown = await api(
      b,
      'POST',
      '/api/approvals/00000000-0000-4000-8000-000000000000/grant',
      APPROVER,
    );
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.reason, 'unknown_approval');

    const noToken = await fetch(`${b.api}/api/approvals/${id}/grant`, { method: 'POST' });
    assert.equal(noToken.status, 401);

    const denied = await api(b, 'POST', `/api/approvals/${id}/deny`, APPROVER, { comment: 'not today' });
    assert.equal(denied.status, 200);
    const result = await running;
    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      new RegExp(`portcullis: denied: approval ${id} denied: denied by ${APPROVER}`),
    );
    assert.equal(sql("SELECT to_regclass('public.never_created') IS NULL"), 't');

    const late = await api(b, 'POST', `/api/approvals/${id}/grant`, APPROVER);
    assert.equal(late.status, 409);
    assert.equal(late.body.reason, 'already_decided');
    const viewed = await approval(b, id, (x) => x.refusedAttempts === 3);
    assert.equal(viewed.status, 'denied');
    // The refused attempts are events in the approval's own stream.
    assert.equal(
      sql(
        `SELECT count(*) FROM portcullis_events WHERE stream_name = 'approval-${id}' AND event_type = 'ApprovalDecisionRefused'`,
        'portcullis',
      ),
      '3',
    );
  });

  it('a restart during a pending approval neither forgets nor double-fires its expiry', async () => {
    await stopInstance('b', 'SIGTERM');
    const a = instances.get('a')!;
    const text = 'CREATE TABLE public.expires_after_restart (id int)';
    const running = agent(a, text);
    const waiting = await pending(a, text);
    // The instance holding the statement (and its gate's timer) dies.
    await stopInstance('a', 'SIGKILL');
    await running;
    const restarted = await startInstance('a');
    const expired = await approval(restarted, waiting.approvalId, (x) => x.status === 'expired');
    assert.equal(expired.grantedBy.length, 0);
    const granted = await api(restarted, 'POST', `/api/approvals/${waiting.approvalId}/grant`, APPROVER);
    assert.equal(granted.status, 409);
    assert.equal(granted.body.reason, 'expired');
    assert.equal(
      sql(
        `SELECT count(*) FROM portcullis_events WHERE stream_name = 'approval-${waiting.approvalId}' AND event_type = 'ApprovalExpired'`,
        'portcullis',
      ),
      '1',
    );
    assert.equal(sql("SELECT to_regclass('public.expires_after_restart') IS NULL"), 't');
    assert.match(restarted.serve!.output(), /approval expiry timers rebuilt from events/);
  });
});
