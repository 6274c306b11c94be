/**
 * The target's idle and statement timeouts, enforced by the proxy: an idle
 * session is closed with FATAL 57P05 and SessionClosed `idle_timeout`; a
 * statement running too long is cancelled on the upstream and the client
 * gets PostgreSQL's own 57014, and the session goes on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { RecordedEvent } from '@portcullis/events';
import { startPgProxy, type PgProxy } from '../listener/pg-proxy-server.js';
import { DEPLOYER, TARGET, startProxyWorld, type ProxyWorld } from '../testing/proxy-fixture.js';

describe('idle and statement timeouts', () => {
  let world: ProxyWorld;
  let idle: PgProxy;
  let statements: PgProxy;
  before(async () => {
    world = await startProxyWorld();
    idle = await startPgProxy({ ...world.options, idleTimeoutSeconds: 1 });
    statements = await startPgProxy({ ...world.options, statementTimeoutMs: 400 });
  });
  after(async () => {
    await idle?.close();
    await statements?.close();
    await world?.stop();
  });

  async function client(proxy: PgProxy): Promise<pg.Client> {
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

  async function sessionWith(text: string, lastType: string): Promise<RecordedEvent[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      for (const events of (await world.sessions()).values()) {
        const recorded = events.some(
          (e) => e.type === 'CommandReceived' && (e.data as { text: string }).text === text,
        );
        if (recorded && events.at(-1)?.type === lastType) return events;
      }
      if (Date.now() > deadline) assert.fail(`no session with ${text} ending in ${lastType}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('an idle session is closed with 57P05 and SessionClosed idle_timeout; a long statement is not idleness', async () => {
    const c = await client(idle);
    const closedWith = new Promise<{ code?: string; message: string }>((resolve) =>
      c.on('error', (error: Error & { code?: string }) => resolve(error)),
    );
    // Longer than the idle timeout, but the session is busy, not idle.
    assert.deepEqual((await c.query("SELECT 'idle probe' AS p, pg_sleep(1.5)")).rows, [
      { p: 'idle probe', pg_sleep: '' },
    ]);
    const error = await closedWith;
    assert.equal(error.code, '57P05');
    assert.match(error.message, /idle-session timeout/);
    const events = await sessionWith("SELECT 'idle probe' AS p, pg_sleep(1.5)", 'SessionClosed');
    assert.equal((events.at(-1)!.data as { reason: string }).reason, 'idle_timeout');
    const completed = events.find((e) => e.type === 'CommandCompleted')!.data as { error?: unknown };
    assert.equal(completed.error, undefined, 'the long statement completed');
    await c.end().catch(() => undefined);
  });

  it('a statement past statementTimeoutMs is cancelled upstream (57014), simple and extended; the session goes on', async () => {
    const c = await client(statements);
    try {
      await assert.rejects(c.query("SELECT 'timeout probe', pg_sleep(10)"), (error: pg.DatabaseError) => {
        assert.equal(error.code, '57014');
        return true;
      });
      await assert.rejects(c.query('SELECT pg_sleep($1)', [10]), { code: '57014' });
      // The client cannot lift the proxy's limit with the server's own setting.
      await c.query('SET statement_timeout = 0');
      await assert.rejects(c.query('SELECT pg_sleep(10)'), { code: '57014' });
      assert.deepEqual((await c.query('SELECT 1 AS one, pg_sleep(0.1)')).rows, [{ one: 1, pg_sleep: '' }]);
      assert.equal(
        world.direct(
          "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(10)%' AND state = 'active' AND pid <> pg_backend_pid()",
        ),
        '0',
      );
    } finally {
      await c.end();
    }
    const events = await sessionWith("SELECT 'timeout probe', pg_sleep(10)", 'SessionClosed');
    const errors = events
      .filter((e) => e.type === 'CommandCompleted')
      .map((e) => (e.data as { error?: { code: string } }).error?.code);
    assert.deepEqual(errors.slice(0, 2), ['57014', '57014']);
  });
});
