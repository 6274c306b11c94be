import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StoreAccessLifecycle, StoreApprovalGate } from '@portcullis/session';
import { revocationStream, terminationStream, toNewEvent, type DomainEvent } from '@portcullis/events';
import { postgresBinDir } from '@portcullis/test-support';
import pg from 'pg';
import { ROLES } from '../testing/postgres-auth.js';
import { startPgProxy, type PgProxy } from '../listener/pg-proxy-server.js';
import { DEPLOYER, startProxyWorld, TARGET, type ProxyWorld } from '../testing/proxy-fixture.js';

/**
 * An operator ends sessions through the store (libs/session lifecycle), as
 * another gateway instance would: real psql paused on an approval is cut off
 * with FATAL 57P01 and the statement never runs; a revoked application is
 * refused at admission with 28000 and no reason.
 */
const admin = { subject: 'oncall-admin', issuer: 'https://admins.test' };
const context = { actor: 'oncall-admin', gatewayInstance: 'gw-other', correlationId: 'x' };

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(what);
}

describe('PostgreSQL proxy: terminations and revocations from the store (real psql, node-postgres, PostgreSQL)', () => {
  let world: ProxyWorld;
  let gate: StoreApprovalGate;
  let lifecycle: StoreAccessLifecycle;
  let proxy: PgProxy;
  const append = (stream: string, event: DomainEvent) =>
    world.store.append(stream, [toNewEvent(event, context)], 'any');

  before(async () => {
    world = await startProxyWorld();
    world.direct(`GRANT CREATE ON SCHEMA public TO ${ROLES.scram.user}`);
    gate = await StoreApprovalGate.start({ store: world.store, gatewayInstance: 'gw-int-test' });
    lifecycle = await StoreAccessLifecycle.start({ store: world.store });
    proxy = await startPgProxy({ ...world.options, approvals: gate, lifecycle });
  });
  after(async () => {
    await proxy?.close();
    await lifecycle?.close();
    await gate?.close();
    await world?.stop();
  });

  it('a statement paused for approval is cut off by a termination: 57P01, nothing runs, the approval is cancelled', async () => {
    const env = { ...process.env, PGPASSWORD: await world.oidc.issueToken(DEPLOYER), PGSSLMODE: 'disable' };
    const psql = spawn(
      join(postgresBinDir(), 'psql'),
      ['-h', '127.0.0.1', '-p', String(proxy.address.port), '-U', 'agent', '-d', TARGET.name, '-w'],
      { env, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stderr = '';
    psql.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const done = new Promise<number | null>((resolve) => psql.on('close', resolve));
    psql.stdin.write('\\set VERBOSITY verbose\nCREATE TABLE public.never_terminated (id int);\n');
    const request = await until(async () => {
      const [event] = await world.store.readAll({ filter: { eventTypes: ['ApprovalRequested'] } });
      return event;
    }, 'no approval requested');
    const { sessionId, approvalId } = request.data as { sessionId: string; approvalId: string };
    await append(terminationStream(sessionId), {
      type: 'SessionTerminationRequested',
      data: { sessionId, requestedBy: admin, reason: 'stop it' },
    });
    assert.notEqual(await done, 0);
    assert.match(stderr, /FATAL: {2}57P01: portcullis: session terminated by oncall-admin: stop it/);
    assert.equal(world.direct("SELECT to_regclass('public.never_terminated') IS NULL"), 't');
    const closed = await until(async () => {
      const stream = (await world.sessions()).get(`session-${sessionId}`) ?? [];
      return stream.find((e) => e.type === 'SessionClosed');
    }, 'no SessionClosed');
    const data = closed.data as Record<string, unknown>;
    assert.equal(data.reason, 'terminated');
    assert.deepEqual(data.terminatedBy, admin);
    assert.equal(data.terminationReason, 'stop it');
    await until(async () => {
      const approval = await world.store.readStream(`approval-${approvalId}`);
      return approval.some((e) => e.type === 'ApprovalCancelled') ? true : undefined;
    }, 'the approval was not cancelled');
  });

  it('a revoked application is refused at admission with 28000, without the reason', async () => {
    await append(revocationStream('rv-deployer'), {
      type: 'IdentityRevoked',
      data: {
        revocationId: 'rv-deployer',
        identity: { appId: DEPLOYER },
        reason: 'key leaked',
        revokedBy: admin,
      },
    });
    const error = await until(async () => {
      const client = new pg.Client({
        host: '127.0.0.1',
        port: proxy.address.port,
        database: TARGET.name,
        user: 'agent',
        password: await world.oidc.issueToken(DEPLOYER),
      });
      try {
        await client.connect();
        await client.end();
        return undefined; // the revocation has not arrived yet
      } catch (e) {
        return e as { code?: string; message: string };
      }
    }, 'the revoked application got in');
    assert.equal(error.code, '28000');
    assert.doesNotMatch(error.message, /key leaked|revoked/);
    const rejected = await until(async () => {
      const all = await world.store.readAll({ filter: { eventTypes: ['SessionRejected'] } });
      return all.find((e) => (e.data as { reason: string }).reason === 'identity_revoked');
    }, 'no SessionRejected identity_revoked');
    assert.match((rejected.data as { detail: string }).detail, /rv-deployer by oncall-admin\): key leaked/);
  });
});
