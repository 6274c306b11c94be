import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runApprovalCommand, StoreApprovalGate, type Decider } from '@portcullis/session';
import { approvalStream, type RecordedEvent } from '@portcullis/events';
import { PolicyEngine } from '@portcullis/policy';
import { grantingPolicyBundle, postgresBinDir, tempDir } from '@portcullis/test-support';
import pg from 'pg';
import { ROLES } from '../testing/postgres-auth.js';
import { startPgProxy, type PgProxy } from '../listener/pg-proxy-server.js';
import { DEPLOYER, startProxyWorld, TARGET, type ProxyWorld } from '../testing/proxy-fixture.js';

/**
 * Statement-level just-in-time approval on the wire: the shipped policy
 * wants `CREATE` on a production database reviewed by `dba-oncall`. Real
 * psql and node-postgres pause, a grant (or deny) appended to the store
 * releases them, and the upstream is checked for what did (not) run.
 */
const approver = (world: ProxyWorld): Decider => ({
  subject: 'dba-alice',
  issuer: world.oidc.issuer,
  groups: ['dba-oncall'],
});
const writer = { actor: 'dba-alice', gatewayInstance: 'gw-other' };

interface RunningPsql {
  readonly done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  readonly stderrSoFar: () => string;
  kill(signal: NodeJS.Signals): void;
}

async function startPsql(world: ProxyWorld, proxy: PgProxy, sql: string): Promise<RunningPsql> {
  const env = { ...process.env, PGPASSWORD: await world.oidc.issueToken(DEPLOYER), PGSSLMODE: 'disable' };
  const child = spawn(
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
      '-Atc',
      sql,
    ],
    { env },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout: stdout.trim(), stderr })),
  );
  return { done, stderrSoFar: () => stderr, kill: (signal) => child.kill(signal) };
}

/** Waits for the next approval request recorded in the store after `seen` ones. */
async function nextRequest(world: ProxyWorld, seen: Set<string>): Promise<RecordedEvent> {
  for (let i = 0; i < 200; i++) {
    const requests = await world.store.readAll({ filter: { eventTypes: ['ApprovalRequested'] } });
    const fresh = requests.find((e) => !seen.has(e.streamName));
    if (fresh) {
      seen.add(fresh.streamName);
      return fresh;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no ApprovalRequested appeared');
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(check(), what);
}

const idOf = (event: RecordedEvent) => (event.data as { approvalId: string }).approvalId;

describe('PostgreSQL proxy pauses statements for approval (real psql, node-postgres, PostgreSQL)', () => {
  let world: ProxyWorld;
  let gate: StoreApprovalGate;
  let proxy: PgProxy;
  const seen = new Set<string>();
  before(async () => {
    world = await startProxyWorld();
    world.direct(`GRANT CREATE ON SCHEMA public TO ${ROLES.scram.user}`);
    gate = await StoreApprovalGate.start({
      store: world.store,
      gatewayInstance: 'gw-int-test',
      whereToDecide: (id) => `http://gateway.test/api/approvals/${id}`,
    });
    proxy = await startPgProxy({ ...world.options, approvals: gate });
  });
  after(async () => {
    await proxy?.close();
    await gate?.close();
    await world?.stop();
  });

  it('holds a psql CREATE until it is granted, tells the client where to decide, then runs it', async () => {
    const psql = await startPsql(world, proxy, 'CREATE TABLE public.approved_t (id int)');
    const request = await nextRequest(world, seen);
    const approvalId = idOf(request);
    assert.equal((request.data as { text: string }).text, 'CREATE TABLE public.approved_t (id int)');
    await until(() => psql.stderrSoFar().includes(approvalId), 'the client is told the approval id');
    assert.match(psql.stderrSoFar(), /NOTICE: {2}portcullis: approval .* required/);
    assert.match(psql.stderrSoFar(), new RegExp(`http://gateway.test/api/approvals/${approvalId}`));
    // Paused: nothing reached the server.
    assert.equal(world.direct("SELECT to_regclass('public.approved_t') IS NULL"), 't');
    await runApprovalCommand(world.store, approvalId, { kind: 'grant', by: approver(world) }, writer);
    const result = await psql.done;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(world.direct("SELECT to_regclass('public.approved_t') IS NOT NULL"), 't');
    // The session records review, then allow with the approval, then forwarded.
    const sessionId = (request.data as { sessionId: string }).sessionId;
    const events = (await world.sessions()).get(`session-${sessionId}`) ?? [];
    const decided = events
      .filter((e) => e.type === 'CommandDecided')
      .map((e) => e.data as Record<string, unknown>);
    assert.deepEqual(
      decided.map((d) => [d.outcome, d.approvalId]),
      [
        ['review', undefined],
        ['allow', approvalId],
      ],
    );
    const types = events.map((e) => e.type);
    assert.ok(types.indexOf('CommandForwarded') > types.lastIndexOf('CommandDecided'));
  });

  it('answers 42501 when the approval is denied, and the statement never runs', async () => {
    const psql = await startPsql(world, proxy, 'CREATE TABLE public.denied_t (id int)');
    const approvalId = idOf(await nextRequest(world, seen));
    await runApprovalCommand(world.store, approvalId, { kind: 'deny', by: approver(world) }, writer);
    const result = await psql.done;
    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      new RegExp(`portcullis: denied: approval ${approvalId} denied: denied by dba-alice`),
    );
    assert.equal(world.direct("SELECT to_regclass('public.denied_t') IS NULL"), 't');
  });

  it('a self-approval does not release the statement', async () => {
    const psql = await startPsql(world, proxy, 'CREATE TABLE public.self_t (id int)');
    const approvalId = idOf(await nextRequest(world, seen));
    const self = await runApprovalCommand(
      world.store,
      approvalId,
      {
        kind: 'grant',
        by: { subject: 'x', issuer: world.oidc.issuer, app_id: DEPLOYER, groups: ['dba-oncall'] },
      },
      writer,
    );
    assert.equal(!self.decision.ok && self.decision.reason, 'self_approval');
    assert.equal(gate.get(approvalId)?.status, 'pending');
    assert.equal(world.direct("SELECT to_regclass('public.self_t') IS NULL"), 't');
    psql.kill('SIGKILL');
    await psql.done;
    // The client went away: the approval is cancelled, and a later grant cannot run anything.
    await until(() => gate.get(approvalId)?.status === 'cancelled', 'cancelled after the client left');
    const types = (await world.store.readStream(approvalStream(approvalId))).map((e) => e.type);
    assert.deepEqual(types, ['ApprovalRequested', 'ApprovalDecisionRefused', 'ApprovalCancelled']);
  });

  it('psql Ctrl-C while paused cancels the approval, and the statement never runs', async () => {
    const psql = await startPsql(world, proxy, 'CREATE TABLE public.ctrl_c_t (id int); SELECT 42');
    const approvalId = idOf(await nextRequest(world, seen));
    await until(() => psql.stderrSoFar().includes(approvalId), 'notice shown');
    psql.kill('SIGINT');
    const result = await psql.done;
    assert.match(result.stderr, /cancel/i);
    await until(() => gate.get(approvalId)?.status === 'cancelled', 'cancelled on Ctrl-C');
    assert.equal(world.direct("SELECT to_regclass('public.ctrl_c_t') IS NULL"), 't');
  });

  it('pauses an extended-protocol statement from node-postgres and keeps the pipeline in order', async () => {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: proxy.address.port,
      user: 'agent',
      database: TARGET.name,
      password: await world.oidc.issueToken(DEPLOYER),
    });
    const notices: string[] = [];
    client.on('notice', (n) => notices.push(n.message ?? ''));
    await client.connect();
    try {
      const created = client.query({ text: 'CREATE TABLE public.extended_t (id int)', values: [] });
      const after = client.query({ text: 'SELECT $1::int AS n', values: [7] });
      const approvalId = idOf(await nextRequest(world, seen));
      await runApprovalCommand(world.store, approvalId, { kind: 'grant', by: approver(world) }, writer);
      await created;
      assert.deepEqual((await after).rows, [{ n: 7 }]);
      assert.ok(
        notices.some((n) => n.includes(approvalId)),
        'notice names the approval',
      );
      assert.equal(world.direct("SELECT to_regclass('public.extended_t') IS NOT NULL"), 't');
    } finally {
      await client.end();
    }
  });

  it('session-level just-in-time access: refused until granted, then statements pass for the window only', async () => {
    const dir = await tempDir('portcullis-session-review-');
    const policy = await PolicyEngine.load(
      await grantingPolicyBundle(dir.path, {
        issuer: world.oidc.issuer,
        appIds: [DEPLOYER],
        targetLabels: [{ env: ['production'], kind: ['database'] }],
        sessionReview: true,
      }),
    );
    const windowSeconds = 3;
    const jit = await startPgProxy({
      ...world.options,
      policy,
      approvals: gate,
      sessionWindowSeconds: windowSeconds,
    });
    try {
      const first = await startPsql(world, jit, 'SELECT 1');
      const refused = await first.done;
      assert.notEqual(refused.code, 0);
      const approvalId = /session approval ([0-9a-f-]{36}) required/.exec(refused.stderr)?.[1];
      assert.ok(approvalId, `the client is told which approval to wait for: ${refused.stderr}`);
      assert.match(refused.stderr, /reconnect once granted/);
      // Asking again while pending reuses the same request.
      const again = await (await startPsql(world, jit, 'SELECT 1')).done;
      assert.match(again.stderr, new RegExp(`session approval ${approvalId} required`));
      const requests = (await world.store.readStream(approvalStream(approvalId))).map((e) => e.type);
      assert.deepEqual(requests, ['ApprovalRequested']);
      seen.add(approvalStream(approvalId));

      await runApprovalCommand(world.store, approvalId, { kind: 'grant', by: approver(world) }, writer);
      await until(() => gate.get(approvalId)?.status === 'granted', 'the gate saw the grant');
      // Inside the window: the session opens, and a CREATE that needs review statement by statement runs at once.
      const client = new pg.Client({
        host: '127.0.0.1',
        port: jit.address.port,
        user: 'agent',
        database: TARGET.name,
        password: await world.oidc.issueToken(DEPLOYER),
      });
      await client.connect();
      try {
        await client.query('CREATE TABLE public.jit_window_t (id int)');
        assert.equal(world.direct("SELECT to_regclass('public.jit_window_t') IS NOT NULL"), 't');
        const windowEnd = gate.get(approvalId)!.decidedAt!.getTime() + windowSeconds * 1000;
        // After the window: the open session's next statement is refused.
        await new Promise((r) => setTimeout(r, Math.max(0, windowEnd - Date.now()) + 100));
        await assert.rejects(client.query('SELECT 1'), (error: Error & { code?: string }) => {
          assert.equal(error.code, '42501');
          assert.match(
            error.message,
            new RegExp(`approved session window \\(approval ${approvalId}\\) ended`),
          );
          return true;
        });
      } finally {
        await client.end();
      }
      const events = [...(await world.sessions()).values()].find((stream) =>
        stream.some(
          (e) => e.type === 'SessionOpened' && (e.data as { approvalId?: string }).approvalId === approvalId,
        ),
      );
      assert.ok(events, 'SessionOpened names the approval that let it in');
    } finally {
      await jit.close();
      await dir.remove();
    }
  });

  it('expires: no decision in time is a denial, recorded as ApprovalExpired', async () => {
    // The same policy with one second for approvers to decide.
    const dir = await tempDir('portcullis-expiry-');
    const policy = await PolicyEngine.load(
      await grantingPolicyBundle(dir.path, {
        issuer: world.oidc.issuer,
        appIds: [DEPLOYER],
        targetLabels: [{ env: ['production'], kind: ['database'] }],
        reviewTtlSeconds: 1,
      }),
    );
    const quick = await startPgProxy({ ...world.options, policy, approvals: gate });
    try {
      const psql = await startPsql(world, quick, 'CREATE TABLE public.expired_t (id int)');
      const approvalId = idOf(await nextRequest(world, seen));
      const result = await psql.done;
      assert.match(result.stderr, new RegExp(`portcullis: denied: approval ${approvalId} expired`));
      const types = (await world.store.readStream(approvalStream(approvalId))).map((e) => e.type);
      assert.deepEqual(types, ['ApprovalRequested', 'ApprovalExpired']);
      assert.equal(world.direct("SELECT to_regclass('public.expired_t') IS NULL"), 't');
    } finally {
      await quick.close();
      await dir.remove();
    }
  });
});
