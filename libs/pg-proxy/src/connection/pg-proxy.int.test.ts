import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { RecordedEvent } from '@portcullis/events';
import { createTokenVerifier } from '@portcullis/identity';
import { frontend } from '../protocol/index.js';
import { ROLES } from '../testing/postgres-auth.js';
import { startPgProxy, PgProxyConfigError } from '../listener/pg-proxy-server.js';
import {
  DEPLOYER,
  STRANGER,
  TARGET,
  psqlThroughProxy,
  startProxyWorld,
  type ProxyWorld,
} from '../testing/proxy-fixture.js';

describe('the PostgreSQL proxy with real peers', () => {
  let world: ProxyWorld;
  before(async () => {
    world = await startProxyWorld();
  });
  after(() => world.stop());

  async function client(clientId = DEPLOYER, port = world.proxy.address.port): Promise<pg.Client> {
    const c = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'agent',
      database: TARGET.name,
      password: await world.oidc.issueToken(clientId),
      ssl: false,
    });
    await c.connect();
    return c;
  }

  async function streamOf(sessionId: string): Promise<RecordedEvent[]> {
    return (await world.sessions()).get(`session-${sessionId}`) ?? [];
  }

  async function sessionWith(text: string): Promise<RecordedEvent[]> {
    for (const events of (await world.sessions()).values()) {
      if (events.some((e) => e.type === 'CommandReceived' && (e.data as { text: string }).text === text)) {
        return events;
      }
    }
    assert.fail(`no session recorded ${text}`);
  }

  it('psql: an allowed SELECT returns rows', async () => {
    const result = await psqlThroughProxy(world, 'SELECT owner FROM public.accounts ORDER BY id');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'alice\nbob\ncarol');
  });

  it('psql: DROP TABLE on a production target is denied, the table stays, the session goes on', async () => {
    const result = await psqlThroughProxy(world, 'DROP TABLE public.accounts');
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /ERROR:\s+portcullis: denied: /);
    assert.equal(world.direct("SELECT to_regclass('public.accounts') IS NOT NULL"), 't');

    const c = await client();
    try {
      await assert.rejects(c.query('DROP TABLE public.accounts'), (error: pg.DatabaseError) => {
        assert.equal(error.code, '42501');
        assert.match(error.message, /^portcullis: denied: /);
        return true;
      });
      const { rows } = await c.query('SELECT count(*)::int AS n FROM public.accounts');
      assert.deepEqual(rows, [{ n: 3 }]);
    } finally {
      await c.end();
    }
    assert.equal(world.direct("SELECT to_regclass('public.accounts') IS NOT NULL"), 't');
  });

  it('a statement denied inside BEGIN aborts the transaction on the upstream too; ROLLBACK recovers', async () => {
    const c = await client();
    try {
      await c.query('BEGIN');
      await c.query("INSERT INTO public.accounts VALUES (10, 'mallory')");
      await assert.rejects(c.query('TRUNCATE public.accounts'), { code: '42501' });
      await assert.rejects(c.query('SELECT 1'), { code: '25P02' });
      await c.query('ROLLBACK');
      const { rows } = await c.query('SELECT count(*)::int AS n FROM public.accounts');
      assert.deepEqual(rows, [{ n: 3 }], 'the insert before the denied statement was rolled back');
    } finally {
      await c.end();
    }
  });

  it('node-postgres parameterised queries (extended protocol): allowed, denied, then allowed again', async () => {
    const c = await client();
    try {
      const { rows } = await c.query('SELECT owner FROM public.accounts WHERE id = $1', [2]);
      assert.deepEqual(rows, [{ owner: 'bob' }]);
      await assert.rejects(
        c.query('SELECT pg_catalog.pg_read_file($1)', ['/etc/passwd']),
        (error: pg.DatabaseError) => {
          assert.equal(error.code, '42501');
          assert.match(error.message, /^portcullis: denied: /);
          return true;
        },
      );
      // A server-side error at Bind (not ours) is relayed as is, and the session goes on.
      await assert.rejects(c.query('SELECT $1::int AS v', ['abc']), { code: '22P02' });
      // A named prepared statement, executed twice.
      const named = { name: 'owner_by_id', text: 'SELECT owner FROM public.accounts WHERE id = $1' };
      assert.deepEqual((await c.query({ ...named, values: [1] })).rows, [{ owner: 'alice' }]);
      assert.deepEqual((await c.query({ ...named, values: [3] })).rows, [{ owner: 'carol' }]);
      // A sensitive value bound as a parameter reaches the server, not the audit trail
      // (and this fixture's detectors mask it in the result as well).
      assert.deepEqual((await c.query('SELECT $1::text AS v', ['ssn 078-05-1120'])).rows, [
        { v: 'ssn ****' },
      ]);
    } finally {
      await c.end();
    }
    const events = await sessionWith('SELECT owner FROM public.accounts WHERE id = $1');
    const received = events
      .filter((e) => e.type === 'CommandReceived')
      .map((e) => e.data as { parameters?: unknown });
    assert.deepEqual(
      received.map((r) => r.parameters),
      [['2'], undefined, ['abc'], ['1'], ['3'], ['ssn ****']],
      'bound parameters recorded at Execute (the denied Parse has none), detected values redacted',
    );
  });

  it('a denied statement in the middle of a pipeline rolls back what came before it (implicit transaction)', async () => {
    const c = await client();
    try {
      // Two statements in one simple Query are one implicit transaction upstream.
      await assert.rejects(
        c.query("INSERT INTO public.accounts VALUES (11, 'eve'); DROP TABLE public.accounts"),
        { code: '42501' },
      );
      assert.equal(world.direct('SELECT count(*) FROM public.accounts'), '3');
      assert.deepEqual((await c.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
    } finally {
      await c.end();
    }
  });

  it('a bad token and an expired token get 28P01 "authentication failed" and a SessionRejected event', async () => {
    const bad = new pg.Client({
      host: '127.0.0.1',
      port: world.proxy.address.port,
      user: 'agent',
      database: TARGET.name,
      password: 'not-a-token',
    });
    await assert.rejects(bad.connect(), (error: pg.DatabaseError) => {
      assert.equal(error.code, '28P01');
      assert.equal(error.message, 'authentication failed');
      return true;
    });
    // The same real token, verified by a proxy whose clock is three hours ahead.
    const late = await startPgProxy({
      ...world.options,
      tokens: createTokenVerifier([{ issuer: world.oidc.issuer, audiences: [world.oidc.audience] }], {
        now: () => Date.now() + 3 * 3600_000,
      }),
    });
    try {
      await assert.rejects(client(DEPLOYER, late.address.port), {
        code: '28P01',
        message: 'authentication failed',
      });
    } finally {
      await late.close();
    }
    const rejected = [...(await world.sessions()).values()]
      .flat()
      .filter((e) => e.type === 'SessionRejected')
      .map((e) => e.data as { reason: string; detail: string });
    assert.ok(
      rejected.some((r) => r.reason === 'malformed'),
      JSON.stringify(rejected),
    );
    assert.ok(
      rejected.some((r) => r.reason === 'expired'),
      JSON.stringify(rejected),
    );
    assert.ok(
      rejected.every((r) => !r.detail.includes('eyJ')),
      'no token in the audit trail',
    );
  });

  it('an identity without a grant gets 28000 and a policy_denied SessionRejected; a wrong database gets 3D000', async () => {
    await assert.rejects(client(STRANGER), { code: '28000' });
    const wrongDb = new pg.Client({
      host: '127.0.0.1',
      port: world.proxy.address.port,
      user: 'agent',
      database: 'postgres',
      password: await world.oidc.issueToken(DEPLOYER),
    });
    await assert.rejects(wrongDb.connect(), { code: '3D000' });
    const reasons = [...(await world.sessions()).values()]
      .flat()
      .filter((e) => e.type === 'SessionRejected')
      .map((e) => (e.data as { reason: string }).reason);
    assert.ok(reasons.includes('policy_denied'));
    assert.ok(reasons.includes('unknown_database'));
  });

  it('an effect-free read runs during its write-ahead append; its rows reach the client only after it', async () => {
    const c = await client();
    const text = "SELECT 'run-ahead probe' AS probe";
    let ranDuringAppend: string | undefined;
    let appended = false;
    world.store.beforeAppend = async (events) => {
      if (events.some((e) => e.type === 'CommandReceived' && (e.data as { text: string }).text === text)) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        ranDuringAppend = world.direct(
          `SELECT count(*) FROM pg_stat_activity WHERE query = '${text.replaceAll("'", "''")}'`,
        );
        appended = true;
      }
    };
    try {
      const rowsBeforeAppend: boolean[] = [];
      const query = new pg.Query(text);
      await new Promise<void>((resolve, reject) => {
        query.on('row', () => rowsBeforeAppend.push(!appended));
        query.on('end', () => resolve());
        query.on('error', reject);
        void c.query(query);
      });
      assert.equal(ranDuringAppend, '1', 'the upstream ran the read while its pair was being appended');
      assert.deepEqual(rowsBeforeAppend, [false], 'its one row arrived after the append');
    } finally {
      world.store.beforeAppend = undefined;
      await c.end();
    }
  });

  it('records the session in order, write-ahead: the upstream sees nothing before CommandDecided is durable', async () => {
    const c = await client();
    // random() is not an effect-free function (libs/sql effect-free.ts): this SELECT waits write-ahead.
    const text = "SELECT 'write-ahead probe' AS probe WHERE random() < 2";
    let sawUpstreamDuringAppend: string | undefined;
    world.store.beforeAppend = async (events) => {
      if (events.some((e) => e.type === 'CommandReceived' && (e.data as { text: string }).text === text)) {
        // Hold the append and ask the upstream whether any backend runs (or ran) the text.
        await new Promise((resolve) => setTimeout(resolve, 200));
        sawUpstreamDuringAppend = world.direct(
          `SELECT count(*) FROM pg_stat_activity WHERE query = '${text.replaceAll("'", "''")}'`,
        );
      }
    };
    try {
      assert.deepEqual((await c.query(text)).rows, [{ probe: 'write-ahead probe' }]);
      assert.equal(sawUpstreamDuringAppend, '0');
      // pg_stat_activity keeps the last query of an idle backend: the same check now finds it.
      assert.equal(
        world.direct(`SELECT count(*) FROM pg_stat_activity WHERE query = '${text.replaceAll("'", "''")}'`),
        '1',
      );
      await assert.rejects(c.query('DROP TABLE public.accounts'), { code: '42501' });
    } finally {
      world.store.beforeAppend = undefined;
      await c.end();
    }
    const events = await sessionWithEventually(text, 'SessionClosed');
    assert.deepEqual(
      events.map((e) => e.type),
      [
        'SessionOpened',
        'CommandReceived',
        'CommandDecided',
        'CommandForwarded',
        'CommandCompleted',
        'CommandReceived',
        'CommandDecided',
        'CommandBlocked',
        'SessionClosed',
      ],
    );
    const completed = events.find((e) => e.type === 'CommandCompleted')!.data as {
      rows: number;
      commandTag: string;
    };
    assert.equal(completed.rows, 1);
    assert.equal(completed.commandTag, 'SELECT 1');
    const closed = events.at(-1)!.data as { reason: string; commands: number; bytesFromClient: number };
    assert.equal(closed.reason, 'client_terminated');
    assert.equal(closed.commands, 2);
    assert.ok(closed.bytesFromClient > 0);
    const opened = events[0]!.data as { identity: { app_id: string }; target: { name: string } };
    assert.equal(opened.identity.app_id, DEPLOYER);
    assert.equal(opened.target.name, TARGET.name);
  });

  it('refuses the statement when the audit store cannot take the write-ahead append', async () => {
    const c = await client();
    try {
      world.store.beforeAppend = async (events) => {
        if (events.some((e) => e.type === 'CommandReceived')) throw new Error('store down (test)');
      };
      await assert.rejects(c.query("SELECT 'not recorded'"), {
        code: '42501',
        message: 'portcullis: denied: audit store unavailable',
      });
      await assert.rejects(c.query('SELECT $1::int AS v', [5]), {
        code: '42501',
        message: 'portcullis: denied: audit store unavailable',
      });
      world.store.beforeAppend = undefined;
      assert.deepEqual((await c.query('SELECT $1::int AS v', [5])).rows, [{ v: 5 }]);
    } finally {
      world.store.beforeAppend = undefined;
      await c.end();
    }
  });

  it('the client sees neither the upstream password nor its backend key or role name', async () => {
    const c = await client();
    try {
      const { rows } = await c.query('SELECT pg_backend_pid() AS pid, current_user AS role');
      assert.equal(rows[0].role, ROLES.scram.user, 'the proxy did run as the upstream role');
      const key = c as unknown as { processID: number; secretKey: number };
      assert.notEqual(key.processID, rows[0].pid, "the backend key is the proxy's own");
    } finally {
      await c.end();
    }
    const result = await psqlThroughProxy(world, 'SHOW session_authorization');
    assert.equal(result.stdout, ROLES.scram.user, 'SQL still answers, but the startup never announced it');
  });

  it('cancels a running query through our own backend key', async () => {
    const c = await client();
    try {
      const running = c.query('SELECT pg_sleep(5)');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      // What libpq's PQcancel does: a new connection carrying the key the client got at startup.
      const key = c as unknown as { processID: number; secretKey: number };
      connect(world.proxy.address.port, '127.0.0.1').end(
        frontend.cancelRequest(key.processID, key.secretKey),
      );
      await assert.rejects(running, { code: '57014' });
      assert.ok(Date.now() - started < 3000);
      assert.deepEqual((await c.query('SELECT 2 AS two')).rows, [{ two: 2 }]);
    } finally {
      await c.end();
    }
  });

  it('refuses to listen on a non-loopback address', async () => {
    await assert.rejects(
      startPgProxy({ ...world.options, listen: { host: '0.0.0.0', port: 0 } }),
      PgProxyConfigError,
    );
  });

  async function sessionWithEventually(text: string, lastType: string): Promise<RecordedEvent[]> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const events = await sessionWith(text);
      if (events.at(-1)?.type === lastType || Date.now() > deadline) return events;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  void streamOf;
});
