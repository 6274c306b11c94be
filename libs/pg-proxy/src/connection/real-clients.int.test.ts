/**
 * The clients the issue names, through the proxy with real tokens: psql with
 * a script file, \copy both ways, a script in a transaction, SIGINT; and
 * node-postgres with pg-cursor, a pool, and its own cancel. The upstream
 * logs every statement it receives (log_statement=all), so "a blocked
 * statement never reaches the upstream" is checked on the upstream itself.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import Cursor from 'pg-cursor';
import type { RecordedEvent } from '@portcullis/events';
import { postgresBinDir, tempDir, type TempDir } from '@portcullis/test-support';
import {
  DEPLOYER,
  SENSITIVE_ROWS,
  TARGET,
  startProxyWorld,
  type ProxyWorld,
} from '../testing/proxy-fixture.js';

const UPSTREAM_LOG = 'log/postgresql.log';

describe('real clients through the proxy', () => {
  let world: ProxyWorld;
  let dir: TempDir;
  before(async () => {
    [world, dir] = await Promise.all([
      startProxyWorld({
        postgresSettings: {
          logging_collector: 'on',
          log_directory: 'log',
          log_filename: 'postgresql.log',
          log_statement: 'all',
        },
      }),
      tempDir('portcullis-real-clients-'),
    ]);
  });
  after(async () => {
    await world?.stop();
    await dir?.remove();
  });

  const port = () => world.proxy.address.port;

  async function psqlEnv(): Promise<NodeJS.ProcessEnv> {
    return { ...process.env, PGPASSWORD: await world.oidc.issueToken(DEPLOYER), PGSSLMODE: 'disable' };
  }
  const psqlArgs = () => ['-h', '127.0.0.1', '-p', String(port()), '-U', 'agent', '-d', TARGET.name, '-w'];

  async function psql(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await promisify(execFile)(
        join(postgresBinDir(), 'psql'),
        [...psqlArgs(), ...args],
        {
          env: await psqlEnv(),
        },
      );
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  async function client(): Promise<pg.Client> {
    const c = new pg.Client(await clientConfig());
    await c.connect();
    return c;
  }
  async function clientConfig(): Promise<pg.ClientConfig> {
    return {
      host: '127.0.0.1',
      port: port(),
      user: 'agent',
      database: TARGET.name,
      password: await world.oidc.issueToken(DEPLOYER),
      ssl: false,
    };
  }

  /** What the upstream server logged (log_statement=all): every statement it was sent. */
  function upstreamLog(): string {
    try {
      return readFileSync(join(world.postgres.dataDir, UPSTREAM_LOG), 'utf8');
    } catch {
      return '';
    }
  }

  /** Waits until the upstream logged `marker` (the log is written by a separate process). */
  async function upstreamLogged(marker: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!upstreamLog().includes(marker)) {
      if (Date.now() > deadline) assert.fail(`the upstream never logged ${marker}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('psql -f runs a script file; the denied statement in it is refused and the rest runs', async () => {
    const script = join(dir.path, 'script.sql');
    writeFileSync(
      script,
      [
        'SELECT owner FROM public.accounts WHERE id = 1;',
        'DROP TABLE public.accounts;',
        "SELECT 'after the denial' AS marker;",
        '',
      ].join('\n'),
    );
    const result = await psql(['-At', '-f', script]);
    assert.equal(result.code, 0, 'psql goes on after an error unless ON_ERROR_STOP');
    assert.deepEqual(result.stdout.trim().split('\n'), ['alice', 'after the denial']);
    assert.match(result.stderr, /ERROR:\s+portcullis: denied: /);
    assert.equal(world.direct("SELECT to_regclass('public.accounts') IS NOT NULL"), 't');

    const stopped = await psql(['-At', '-v', 'ON_ERROR_STOP=1', '-f', script]);
    assert.equal(stopped.code, 3, 'psql exits 3 when a script stops on an error');
    assert.equal(stopped.stdout.trim(), 'alice');
  });

  it('a psql script in a transaction: the denied statement aborts it, ROLLBACK recovers, nothing was written', async () => {
    const script = join(dir.path, 'transaction.sql');
    writeFileSync(
      script,
      [
        'BEGIN;',
        "INSERT INTO public.accounts VALUES (40, 'in-a-script');",
        'TRUNCATE public.accounts;',
        'SELECT 1;',
        'ROLLBACK;',
        'SELECT count(*) FROM public.accounts;',
        '',
      ].join('\n'),
    );
    const result = await psql(['-At', '-f', script]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /ERROR:\s+portcullis: denied: /);
    assert.match(result.stderr, /current transaction is aborted/, 'SELECT 1 ran in the aborted block');
    assert.equal(result.stdout.trim().split('\n').at(-1), '3');
    assert.equal(world.direct('SELECT count(*) FROM public.accounts WHERE id = 40'), '0');
  });

  it('psql \\copy to a file and back from a file', async () => {
    const out = join(dir.path, 'accounts.tsv');
    const exported = await psql([
      '-c',
      `\\copy (SELECT id, owner FROM public.accounts ORDER BY id) to '${out}'`,
    ]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(readFileSync(out, 'utf8'), '1\talice\n2\tbob\n3\tcarol\n');

    const input = join(dir.path, 'more.csv');
    writeFileSync(input, '50,copy-one\n51,copy-two\n');
    const imported = await psql(['-c', `\\copy public.accounts from '${input}' with (format csv)`]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /COPY 2/);
    assert.equal(
      world.direct("SELECT string_agg(owner, ',' ORDER BY id) FROM public.accounts WHERE id >= 50"),
      'copy-one,copy-two',
    );
    world.direct('DELETE FROM public.accounts WHERE id >= 50');
  });

  it('psql Ctrl-C (SIGINT) cancels a running statement through the proxy', async () => {
    const child = spawn(join(postgresBinDir(), 'psql'), [...psqlArgs(), '-Atc', 'SELECT pg_sleep(30)'], {
      env: await psqlEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitUntil(
        () =>
          world.direct(
            "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'",
          ) === '1',
      );
      child.kill('SIGINT');
      const code = await Promise.race([
        exited,
        new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000)),
      ]);
      assert.notEqual(code, 'hung', 'psql still waits: the cancel did not reach the server');
      assert.equal(code, 1);
      assert.match(stderr, /canceling statement due to user request/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('node-postgres: its own cancel (a second connection with the key we issued)', async () => {
    const c = await client();
    try {
      const sleeping = new pg.Query('SELECT pg_sleep(30)');
      const failed = new Promise<{ code?: string }>((resolve, reject) => {
        sleeping.on('error', (error: Error) => resolve(error as Error & { code?: string }));
        sleeping.on('end', () => reject(new Error('pg_sleep(30) was not cancelled')));
      });
      void c.query(sleeping);
      await waitUntil(
        () =>
          world.direct(
            "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'",
          ) === '1',
      );
      // node-postgres' cancel: an unconnected client of the same config opens the cancel connection.
      const canceller = new pg.Client(await clientConfig()) as pg.Client & {
        cancel(client: pg.Client, query: pg.Query): void;
      };
      canceller.cancel(c, sleeping);
      assert.equal((await failed).code, '57014');
      assert.deepEqual((await c.query('SELECT 3 AS three')).rows, [{ three: 3 }]);
    } finally {
      await c.end();
    }
  });

  it('node-postgres: pg-cursor reads in batches, masked', async () => {
    const c = await client();
    try {
      const cursor = c.query(
        new Cursor('SELECT id, email, ssn FROM public.users WHERE id > $1 ORDER BY id', [0]),
      );
      const first = await cursor.read(1);
      const second = await cursor.read(1);
      const rest = await cursor.read(10);
      await cursor.close();
      assert.deepEqual([first.length, second.length, rest.length], [1, 1, 0]);
      const rows = [...first, ...second] as { id: number; email: string; ssn: string }[];
      assert.deepEqual(
        rows.map((r) => r.id),
        [1, 2],
      );
      for (const [i, row] of rows.entries()) {
        assert.notEqual(row.email, SENSITIVE_ROWS[i]!.email);
        assert.notEqual(row.ssn, SENSITIVE_ROWS[i]!.ssn);
        assert.match(row.email, /\*/);
      }
      // A plain cursor over unmasked data still works.
      const plain = c.query(new Cursor('SELECT owner FROM public.accounts ORDER BY id'));
      assert.deepEqual(await plain.read(2), [{ owner: 'alice' }, { owner: 'bob' }]);
      await plain.close();
    } finally {
      await c.end();
    }
  });

  it('node-postgres: a pool of concurrent clients, each its own audited session', async () => {
    const before = sessionIds(await world.sessions());
    const pool = new pg.Pool({ ...(await clientConfig()), max: 4 });
    try {
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          pool.query('SELECT owner, $1::int AS n, pg_sleep(0.05) FROM public.accounts WHERE id = $2', [
            i,
            1 + (i % 3),
          ]),
        ),
      );
      for (const [i, result] of results.entries()) {
        assert.deepEqual(
          result.rows.map((r: { owner: string; n: number }) => [r.owner, r.n]),
          [[['alice', 'bob', 'carol'][i % 3], i]],
        );
      }
      assert.ok(pool.totalCount > 1, `the pool opened ${pool.totalCount} connections`);
    } finally {
      await pool.end();
    }
    const sessions = await world.sessions();
    const opened = [...sessionIds(sessions)].filter((id) => !before.has(id));
    assert.ok(opened.length > 1 && opened.length <= 4, `${opened.length} pool sessions`);
    const commands = opened.flatMap((id) =>
      sessions
        .get(id)!
        .filter((e) => e.type === 'CommandReceived')
        .map((e) => (e.data as { parameters?: string[] }).parameters?.[0]),
    );
    assert.deepEqual(
      commands.map(Number).sort((a, b) => a - b),
      Array.from({ length: 12 }, (_, i) => i),
    );
  });

  it('blocked statements never reach the upstream: simple, extended and multi-statement (checked in the server log)', async () => {
    // Positive control: an allowed statement with a marker shows up in the upstream's log.
    const c = await client();
    try {
      await c.query("SELECT 'marker-allowed-7f3a' AS m");
      await upstreamLogged('marker-allowed-7f3a');
      await assert.rejects(c.query('DROP TABLE public.accounts -- marker-simple-7f3a'), { code: '42501' });
      await assert.rejects(
        c.query("SELECT pg_catalog.pg_read_file('/etc/marker-extended-7f3a', $1::bigint, 1)", [0]),
        {
          code: '42501',
        },
      );
      await assert.rejects(
        c.query("INSERT INTO public.accounts VALUES (60, 'marker-multi-7f3a'); DROP TABLE public.accounts"),
        { code: '42501' },
      );
      // In a transaction the poison goes upstream in place of the statement: still not the statement.
      await c.query('BEGIN');
      await assert.rejects(c.query('TRUNCATE public.accounts -- marker-in-tx-7f3a'), { code: '42501' });
      await c.query('ROLLBACK');
      await c.query("SELECT 'marker-after-7f3a' AS m");
    } finally {
      await c.end();
    }
    await upstreamLogged('marker-after-7f3a');
    const log = upstreamLog();
    for (const marker of [
      'marker-simple-7f3a',
      'marker-extended-7f3a',
      'marker-multi-7f3a',
      'marker-in-tx-7f3a',
    ]) {
      assert.ok(!log.includes(marker), `the upstream received ${marker}`);
    }
    assert.equal(world.direct("SELECT count(*) FROM public.accounts WHERE owner = 'marker-multi-7f3a'"), '0');
    assert.equal(world.direct("SELECT to_regclass('public.accounts') IS NOT NULL"), 't');
  });
});

function sessionIds(sessions: Map<string, RecordedEvent[]>): Set<string> {
  return new Set(sessions.keys());
}

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
