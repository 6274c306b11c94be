import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { postgresBinDir } from '@portcullis/test-support';
import { ROLES } from '../testing/postgres-auth.js';
import {
  DEPLOYER,
  SENSITIVE_ROWS,
  TARGET,
  startProxyWorld,
  type ProxyWorld,
} from '../testing/proxy-fixture.js';

/**
 * The bypass corpus, error-borne: values leaving in the fields of
 * ErrorResponse and NoticeResponse (message, detail, hint, where/context,
 * internal query, names) rather than in rows. `email` and `ssn` are named
 * sensitive; `card` and `note` are scanned by the detectors only, as is the
 * free-text `tickets.body`.
 */

const FREE_TEXT = 'call 415-555-2671 or jane.roe@example.net, ssn 078-05-1120, iban DE89370400440532013000';
const FREE_TEXT_SECRETS = ['415-555-2671', 'jane.roe', '078-05-1120', 'DE89370400440532013000'];

const hex = (s: string) => Buffer.from(s).toString('hex');
const base64 = (s: string) => Buffer.from(s).toString('base64').replace(/=+$/, '');
const reversed = (s: string) => [...s].reverse().join('');

/** Values of the named columns, raw and in every form the tricks below produce. */
const NAMED = SENSITIVE_ROWS.flatMap((r) => [r.email.slice(0, r.email.indexOf('@')), r.ssn]);
/** Values only the detectors protect: raw, and one level of hex or base64 (what the detectors decode). */
const DETECTED = SENSITIVE_ROWS.map((r) => r.card.replaceAll(' ', '')).concat(['4012888888881881']);
const SECRETS = [
  ...NAMED.flatMap((v) => [v, hex(v), base64(v), reversed(v)]),
  ...SENSITIVE_ROWS.map((r) => r.ssn.replaceAll('-', '')),
  ...DETECTED.flatMap((v) => [v, hex(v)]),
  ...FREE_TEXT_SECRETS,
];

function assertNoSecret(text: string, label: string): void {
  const lower = text.toLowerCase();
  for (const secret of SECRETS) {
    assert.ok(!lower.includes(secret.toLowerCase()), `${label}: ${secret} leaked in ${text}`);
  }
}

/** Every field node-postgres exposes of a server error or notice. */
function fieldsOf(error: unknown): string {
  const e = error as Record<string, unknown> & { message?: string };
  return JSON.stringify({ message: e.message, ...e });
}

describe('result masking: values in error and notice messages', () => {
  let world: ProxyWorld;
  before(async () => {
    world = await startProxyWorld();
    world.direct(
      [
        'CREATE UNIQUE INDEX users_ssn_key ON public.users (ssn)',
        'ALTER TABLE public.users ADD CONSTRAINT note_short CHECK (length(note) < 100)',
        'CREATE TABLE public.tickets (id int PRIMARY KEY, body text)',
        `INSERT INTO public.tickets VALUES (1, '${FREE_TEXT}')`,
        // A function body the statement analysis cannot see into: it reads ssn and says it.
        `CREATE FUNCTION public.shout_ssn(i int, how text) RETURNS int LANGUAGE plpgsql AS $$
         DECLARE v text;
         BEGIN
           SELECT ssn INTO v FROM public.users WHERE id = i;
           v := CASE how WHEN 'hex' THEN encode(v::bytea, 'hex') WHEN 'base64' THEN encode(v::bytea, 'base64')
                         WHEN 'reversed' THEN reverse(v) ELSE v END;
           RAISE NOTICE 'noticed %', v USING DETAIL = v, HINT = v;
           IF how <> 'notice' THEN
             RAISE EXCEPTION 'raised %', v USING DETAIL = v, HINT = v, COLUMN = v, TABLE = v;
           END IF;
           RETURN 1;
         END $$`,
        `GRANT ALL ON public.tickets TO ${ROLES.scram.user}`,
      ].join(';'),
    );
  });
  after(async () => {
    await world?.stop();
  });

  it('the corpus would see a leak: the same errors straight from the upstream carry the values', () => {
    assert.throws(() => world.direct('SELECT ssn::int FROM public.users'), /123-45-6789/);
  });

  async function client(): Promise<pg.Client> {
    const c = new pg.Client({
      host: '127.0.0.1',
      port: world.proxy.address.port,
      user: 'agent',
      database: TARGET.name,
      password: await world.oidc.issueToken(DEPLOYER),
      ssl: false,
    });
    await c.connect();
    return c;
  }

  /** Runs sql (extended protocol when values are given); returns what came back: the error and notices. */
  async function attempt(sql: string, values?: unknown[]): Promise<{ error: unknown; notices: unknown[] }> {
    const c = await client();
    const notices: unknown[] = [];
    c.on('notice', (n) => notices.push(n));
    try {
      await c.query(sql, values);
      return { error: undefined, notices };
    } catch (error) {
      return { error, notices };
    } finally {
      await c.end();
    }
  }

  async function failsWithoutLeak(sql: string, values?: unknown[]): Promise<pg.DatabaseError> {
    const { error, notices } = await attempt(sql, values);
    assert.ok(error instanceof Error, `${sql}: expected an error`);
    assertNoSecret(fieldsOf(error), sql);
    for (const notice of notices) assertNoSecret(fieldsOf(notice), `${sql} (notice)`);
    return error as pg.DatabaseError;
  }

  const casts: [string, string][] = [
    ['ssn::int in the select list', 'SELECT ssn::int FROM users'],
    ['ssn::uuid', 'SELECT ssn::uuid FROM users'],
    ['ssn::inet', 'SELECT ssn::inet FROM users ORDER BY id'],
    ['email::date', 'SELECT email::date FROM users'],
    ['ssn::numeric in WHERE', 'SELECT id FROM users WHERE ssn::numeric > 0'],
    ['email::uuid in WHERE', 'SELECT id FROM users WHERE email::uuid IS NOT NULL'],
    ['a cast of the reversed value', 'SELECT reverse(ssn)::int FROM users'],
    ['a cast of the hex value', "SELECT encode(ssn::bytea, 'hex')::int FROM users"],
    ['a cast of the base64 value', "SELECT encode(email::bytea, 'base64')::int FROM users"],
    ['a JSON parse error', 'SELECT ssn::jsonb FROM users'],
    ['a JSON parse error of the email', 'SELECT email::json FROM users'],
    ['an XML parse error', 'SELECT xmlparse(document email) FROM users'],
    ['a view', 'SELECT ssn::int FROM users_v'],
    ['card::int (detector only)', 'SELECT card::int FROM users'],
    ["card's hex (detector only)", "SELECT encode(replace(card, ' ', '')::bytea, 'hex')::int FROM users"],
    ['note::int (detector only, inside text)', 'SELECT note::int FROM users'],
    ['free text::int', 'SELECT body::int FROM tickets'],
    ['free text::jsonb', 'SELECT body::jsonb FROM tickets'],
  ];
  for (const [name, sql] of casts) {
    it(`node-postgres simple protocol: ${name}`, async () => {
      await failsWithoutLeak(sql);
    });
  }

  it('the extended protocol (node-postgres with parameters): casts in the select list and in WHERE', async () => {
    await failsWithoutLeak('SELECT ssn::int FROM users WHERE id = $1', [1]);
    await failsWithoutLeak('SELECT id FROM users WHERE ssn::inet IS NULL AND id > $1', [0]);
    await failsWithoutLeak('SELECT card::uuid FROM users WHERE id = $1', [1]);
    await failsWithoutLeak('SELECT body::int FROM tickets WHERE id = $1', [1]);
  });

  it('a withheld message keeps its SQLSTATE and says why', async () => {
    const error = await failsWithoutLeak('SELECT ssn::int FROM users');
    assert.equal(error.code, '22P02');
    assert.match(
      error.message,
      /^portcullis: error detail withheld because the statement read a masked column \(SQLSTATE 22P02\)$/,
    );
    assert.equal(error.detail, undefined);
  });

  it('detector-only columns keep the message with the span masked', async () => {
    const error = await failsWithoutLeak('SELECT card::int FROM users WHERE id = 1');
    assert.equal(error.code, '22P02');
    assert.equal(error.message, 'invalid input syntax for type integer: "****"');
  });

  it('a unique violation on a sensitive column: the key is not echoed', async () => {
    const error = await failsWithoutLeak(
      'UPDATE users SET ssn = (SELECT ssn FROM users WHERE id = 1) WHERE id = 2',
    );
    assert.equal(error.code, '23505');
    await failsWithoutLeak('INSERT INTO users (id, ssn) SELECT id + 10, ssn FROM users');
  });

  it('a constraint violation of a statement that never read the sensitive columns: the failing row is withheld', async () => {
    const { error } = await attempt(`UPDATE users SET note = repeat('x', 200) WHERE id = 1`);
    assert.ok(error instanceof Error);
    assertNoSecret(fieldsOf(error), 'check violation');
    assert.equal((error as pg.DatabaseError).code, '23514');
    assert.match(
      error.message,
      /violates check constraint "note_short"/,
      'the message itself names no value',
    );
    assert.equal(
      (error as pg.DatabaseError).detail,
      'portcullis: the values of the failing row are withheld',
    );
  });

  for (const how of ['plain', 'hex', 'base64', 'reversed']) {
    it(`RAISE inside a function (${how}): error and notice withheld`, async () => {
      const error = await failsWithoutLeak(`SELECT shout_ssn(1, '${how}')`);
      assert.equal(error.code, 'P0001');
      assert.match(error.message, /withheld because it came from a function/);
    });
  }

  it('NOTICE from a function, extended protocol too', async () => {
    for (const values of [undefined, [1]]) {
      const sql = values ? `SELECT shout_ssn($1, 'notice')` : `SELECT shout_ssn(1, 'notice')`;
      const { error, notices } = await attempt(sql, values);
      assert.equal(error, undefined);
      assert.equal(notices.length, 1);
      for (const notice of notices) assertNoSecret(fieldsOf(notice), sql);
      assert.match((notices[0] as Error).message, /^portcullis: notice detail withheld/);
    }
  });

  it("analysis errors about the client's own text are relayed as they are", async () => {
    const { error } = await attempt('SELECT ssn, nonesuch FROM users');
    assert.equal((error as pg.DatabaseError).code, '42703');
    assert.equal((error as Error).message, 'column "nonesuch" does not exist');
  });

  it('psql (all fields, VERBOSITY verbose): casts, constraint violations, RAISE, notices', async () => {
    const env = { ...process.env, PGPASSWORD: await world.oidc.issueToken(DEPLOYER), PGSSLMODE: 'disable' };
    const args = [
      '-h',
      '127.0.0.1',
      '-p',
      String(world.proxy.address.port),
      '-U',
      'agent',
      '-d',
      TARGET.name,
    ];
    for (const sql of [
      'SELECT ssn::int FROM users',
      'SELECT id FROM users WHERE email::inet IS NULL',
      'SELECT card::int FROM users',
      'SELECT body::jsonb FROM tickets',
      'UPDATE users SET ssn = (SELECT ssn FROM users WHERE id = 1) WHERE id = 2',
      "SELECT shout_ssn(2, 'plain')",
      "SELECT shout_ssn(2, 'notice')",
    ]) {
      const out = await promisify(execFile)(
        join(postgresBinDir(), 'psql'),
        [...args, '-w', '-v', 'VERBOSITY=verbose', '-Atc', sql],
        { env },
      ).catch((e: { stdout: string; stderr: string }) => e);
      assert.ok(out.stderr.length > 0, `${sql}: psql printed nothing on stderr`);
      assertNoSecret(out.stdout + out.stderr, `psql ${sql}`);
    }
  });

  it('free-text columns come back with every detected value masked', async () => {
    const c = await client();
    try {
      const { rows } = await c.query('SELECT body FROM tickets');
      assertNoSecret(JSON.stringify(rows), 'free text');
      assert.equal(rows[0].body, 'call **** or ****, ssn ****, iban ****');
    } finally {
      await c.end();
    }
  });

  it('a plain EXPLAIN of a DELETE without WHERE runs at once; EXPLAIN ANALYZE of it still waits', async () => {
    const c = await client();
    try {
      const { rows } = await c.query('EXPLAIN DELETE FROM accounts');
      assert.ok(rows.length > 0);
      assert.match(JSON.stringify(rows), /Delete on accounts/);
    } finally {
      await c.end();
    }
    assert.equal(world.direct('SELECT count(*) FROM public.accounts'), '3', 'nothing was deleted');
  });

  it('no masked value reached the event store, and ResultMasked counts what errors lost', async () => {
    const sessions = await world.sessions();
    const all = [...sessions.values()].flat();
    assertNoSecret(JSON.stringify(all.map((e) => e.data)), 'event store');
    const counted = all
      .filter((e) => e.type === 'ResultMasked')
      .flatMap(
        (e) => (e.data as { columns: { column: string; rule?: string; detector?: string }[] }).columns,
      );
    assert.ok(counted.some((c) => c.column === 'error:message' && c.rule === 'withheld'));
    assert.ok(counted.some((c) => c.column === 'notice:message' && c.rule === 'withheld'));
    assert.ok(counted.some((c) => c.column === 'error:message' && c.detector === 'credit_card'));
    assert.ok(counted.some((c) => c.column === 'error:detail' && c.rule === 'withheld'));
  });
});
