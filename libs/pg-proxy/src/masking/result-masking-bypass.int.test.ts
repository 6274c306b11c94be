import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { RecordedEvent } from '@portcullis/events';
import { PolicyEngine } from '@portcullis/policy';
import { grantingPolicyBundle, tempDir, type TempDir } from '@portcullis/test-support';
import { ROLES } from '../testing/postgres-auth.js';
import { startPgProxy, type PgProxy } from '../listener/pg-proxy-server.js';
import {
  DEPLOYER,
  SENSITIVE_ROWS,
  TARGET,
  psqlThroughProxy,
  startProxyWorld,
  type ProxyWorld,
} from '../testing/proxy-fixture.js';
import { password, rawExchange, startup } from '../testing/raw-client.js';

/**
 * The bypass corpus: one case per trick a client might use to read a
 * sensitive column past result masking. Each asserts that no raw value
 * reaches the client (and, at the end, that none reached the event store).
 */

/** Raw values that must never leave the proxy; compared case-insensitively (upper() is a trick). */
const SECRETS = SENSITIVE_ROWS.flatMap((r) => [
  r.email.slice(0, r.email.indexOf('@')), // partial keeps the domain, never the local part
  r.ssn,
  r.ssn.replaceAll('-', ''),
  r.card,
  r.card.replaceAll(' ', ''),
]).concat(['4012888888881881']);

function assertNoSecret(value: unknown, label: string): void {
  const text = (
    typeof value === 'string'
      ? value
      : JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
  ).toLowerCase();
  for (const secret of SECRETS) {
    assert.ok(!text.includes(secret.toLowerCase()), `${label}: raw value ${secret} leaked in ${text}`);
  }
}

describe('result masking: the bypass corpus', () => {
  let world: ProxyWorld;
  let dir: TempDir;
  let denying: PgProxy;
  let hashing: PgProxy;
  /** The same target labelled as development (the default profile allows DDL), for the stale-catalog tricks. */
  let developing: PgProxy;
  before(async () => {
    world = await startProxyWorld();
    dir = await tempDir('portcullis-masking-');
    // The same policy with mask_derived = "deny" for the target.
    const bundle = await grantingPolicyBundle(dir.path, {
      issuer: world.oidc.issuer,
      appIds: [DEPLOYER],
      targetLabels: [{ env: ['production'], kind: ['database'] }],
    });
    const dataFile = join(bundle, 'data.json');
    const data = JSON.parse(await readFile(dataFile, 'utf8'));
    data.portcullis.targets[TARGET.name].masking.derived = 'deny';
    await writeFile(dataFile, JSON.stringify(data));
    denying = await startPgProxy({ ...world.options, policy: await PolicyEngine.load(bundle) });
    hashing = await startPgProxy({ ...world.options, maskingKey: Buffer.alloc(32, 7) });
    world.direct(`GRANT CREATE ON SCHEMA public TO ${ROLES.scram.user}`);
    const devBundle = await grantingPolicyBundle(join(dir.path, 'dev'), {
      issuer: world.oidc.issuer,
      appIds: [DEPLOYER],
      targetLabels: [{ env: ['dev'], kind: ['database'] }],
    });
    developing = await startPgProxy({
      ...world.options,
      target: { name: TARGET.name, labels: { env: 'dev', kind: 'database' } },
      policy: await PolicyEngine.load(devBundle),
    });
  });
  after(async () => {
    await denying?.close();
    await hashing?.close();
    await developing?.close();
    await world?.stop();
    await dir?.remove();
  });

  async function client(port = world.proxy.address.port): Promise<pg.Client> {
    const c = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'agent',
      database: TARGET.name,
      password: await world.oidc.issueToken(DEPLOYER),
      ssl: false,
    });
    await c.connect();
    return c;
  }

  async function rows(sql: string, port?: number): Promise<Record<string, unknown>[]> {
    const c = await client(port);
    try {
      const result: pg.QueryResult | pg.QueryResult[] = await c.query(sql);
      // Several statements in one Query: node-postgres answers one result per statement.
      return Array.isArray(result) ? result.flatMap((r) => r.rows) : result.rows;
    } finally {
      await c.end();
    }
  }

  async function masked(sql: string): Promise<Record<string, unknown>[]> {
    const result = await rows(sql);
    assert.ok(result.length > 0, `${sql}: no rows`);
    assertNoSecret(result, sql);
    return result;
  }

  it('the corpus would see a leak: the same rows straight from the upstream hold the raw values', () => {
    assert.throws(() => assertNoSecret(world.direct('SELECT * FROM public.users'), 'direct'), /leaked/);
    assert.throws(
      () => assertNoSecret(world.direct('SELECT upper(email) FROM public.users'), 'direct'),
      /leaked/,
    );
  });

  const tricks: [string, string][] = [
    ['SELECT *', 'SELECT * FROM users ORDER BY id'],
    ['an aliased column', 'SELECT email AS e, ssn AS s FROM users u ORDER BY id'],
    ['a join', 'SELECT u.email, u.ssn, a.owner FROM users u JOIN accounts a ON a.id = u.id ORDER BY u.id'],
    ['a view over the table', 'SELECT * FROM users_v ORDER BY id'],
    ['a view of an expression over a view', 'SELECT * FROM users_shout ORDER BY id'],
    ['email::text', 'SELECT email::text, ssn::varchar FROM users ORDER BY id'],
    ['upper(email)', 'SELECT upper(email) FROM users ORDER BY id'],
    ["email || ''", "SELECT email || '', ssn || '' FROM users ORDER BY id"],
    ["string_agg(email, ',')", "SELECT string_agg(email, ','), string_agg(ssn, ',') FROM users"],
    ['row_to_json(u)', 'SELECT row_to_json(u) FROM users u ORDER BY id'],
    ['a CTE', 'WITH c AS (SELECT email, ssn FROM users) SELECT * FROM c'],
    [
      'a scalar subquery',
      'SELECT (SELECT email FROM users WHERE id = 1), (SELECT ssn FROM users WHERE id = 2)',
    ],
    ['a derived table', 'SELECT x.e, x.s FROM (SELECT email AS e, ssn AS s FROM users) x'],
    ['an expression over a view', 'SELECT lower(email), ssn || 1 FROM users_v'],
    ['UNION', "SELECT email FROM users UNION ALL SELECT 'x'"],
    ['two statements in one Query', 'SELECT id FROM accounts; SELECT email, ssn FROM users'],
  ];
  for (const [name, sql] of tricks) {
    it(`node-postgres: ${name}`, async () => {
      await masked(sql);
    });
  }

  it('plain columns keep their masking method: partial email, redacted ssn without a key, detector spans', async () => {
    const [first] = await masked('SELECT id, email, ssn, card, note FROM users WHERE id = 1');
    assert.equal(first!.id, 1, 'unmasked columns are untouched');
    assert.match(String(first!.email), /^a\*+@example\.com$/);
    assert.equal(first!.ssn, '****', 'hash without maskingKey falls back to redact');
    assert.equal(first!.card, '****', 'credit_card detector, redact');
    assert.equal(first!.note, 'paid with **** today', 'only the detected span is masked');
  });

  it('with a maskingKey, hash gives stable pseudonyms', async () => {
    const result = await rows('SELECT ssn FROM users ORDER BY id', hashing.address.port);
    assertNoSecret(result, 'hash');
    for (const row of result) assert.match(String(row.ssn), /^[0-9a-f]{16}$/);
    const again = await rows('SELECT ssn FROM users_v ORDER BY id', hashing.address.port);
    assert.deepEqual(again, result);
  });

  it('results that read nothing sensitive are relayed unchanged', async () => {
    assert.deepEqual(await rows('SELECT id, owner FROM accounts ORDER BY id'), [
      { id: 1, owner: 'alice' },
      { id: 2, owner: 'bob' },
      { id: 3, owner: 'carol' },
    ]);
    assert.deepEqual(await rows('SELECT count(*)::int AS n FROM users'), [{ n: 2 }]);
  });

  it('node-postgres extended protocol with parameters, and binary results requested', async () => {
    const c = await client();
    try {
      const text = await c.query('SELECT email, ssn, card FROM users WHERE id = $1', [1]);
      assertNoSecret(text.rows, 'extended');
      // node-postgres sends Bind with result format 1 for every column when asked for binary.
      const binaryQuery = {
        text: 'SELECT id, email, ssn, card, upper(email) AS u FROM users WHERE id > $1',
        values: [0],
        binary: true,
      } as pg.QueryConfig;
      const binary = await c.query(binaryQuery);
      assert.equal(binary.rows.length, 2);
      assertNoSecret(binary.rows, 'binary');
    } finally {
      await c.end();
    }
  });

  it('a cursor FETCHed later is masked by the columns it returns', async () => {
    const c = await client();
    try {
      await c.query('BEGIN');
      await c.query('DECLARE cur CURSOR FOR SELECT email, ssn FROM users');
      const fetched = await c.query('FETCH ALL FROM cur');
      assert.equal(fetched.rows.length, 2);
      assertNoSecret(fetched.rows, 'FETCH');
      await c.query('COMMIT');
    } finally {
      await c.end();
    }
  });

  it('raw Bind with result format 1, with and without Describe: never the raw value', async () => {
    const sql = 'SELECT email, ssn, card FROM users';
    for (const withDescribe of [true, false]) {
      const steps = [
        startup(TARGET.name),
        password(await world.oidc.issueToken(DEPLOYER)),
        Buffer.concat([
          parseMessage(sql),
          bindBinaryResults(),
          ...(withDescribe ? [describePortalMessage()] : []),
          executeMessage(),
          syncMessage(),
        ]),
      ];
      const result = await rawExchange(world.proxy.address.port, steps, 1500);
      assert.ok(result.types.includes('D'), `rows arrived: ${result.types.join(',')}`);
      assert.deepEqual(result.errors, []);
      assertNoSecret(result.bytes.toString('latin1'), `raw binary, describe=${withDescribe}`);
      assert.equal(
        result.types.filter((t) => t === 'T').length,
        withDescribe ? 1 : 0,
        'our own Describe stays ours',
      );
    }
  });

  it('psql sees SELECT *, a view and an expression masked', async () => {
    for (const sql of [
      'SELECT * FROM users',
      'SELECT * FROM users_v',
      'SELECT upper(email), row_to_json(u) FROM users u',
    ]) {
      const out = await psqlThroughProxy(world, sql);
      assert.equal(out.code, 0, out.stderr);
      assert.ok(out.stdout.length > 0);
      assertNoSecret(out.stdout, `psql ${sql}`);
    }
  });

  it('COPY of a sensitive table to the client is masked (text, CSV, a query, derived); binary COPY is refused', async () => {
    for (const sql of [
      'COPY users TO STDOUT',
      'COPY users (note, ssn) TO STDOUT WITH (FORMAT csv, HEADER)',
      'COPY (SELECT email FROM users) TO STDOUT',
      "COPY (SELECT upper(u.email) || v.ssn, u.card FROM users u JOIN public.users_v v USING (id)) TO STDOUT (FORMAT csv, DELIMITER '|')",
      'SELECT 1; COPY users_shout TO STDOUT',
    ]) {
      for (const proxy of [world.proxy, denying]) {
        const out = await psqlThroughProxy({ ...world, proxy }, sql);
        assertNoSecret(out.stdout + out.stderr, sql);
      }
    }
    for (const sql of ['COPY users TO STDOUT (FORMAT binary)', 'COPY BINARY users TO STDOUT']) {
      const out = await psqlThroughProxy(world, sql);
      assert.notEqual(out.code, 0);
      assert.match(
        out.stderr,
        /portcullis: denied: COPY of a sensitive column: COPY in binary format cannot be masked/,
      );
    }
  });

  it('mask_derived "deny": expressions over sensitive columns are refused before they run, plain ones masked', async () => {
    const c = await client(denying.address.port);
    try {
      for (const sql of [
        'SELECT upper(email) FROM users',
        'SELECT row_to_json(u) FROM users u',
        "SELECT email || '' FROM users",
      ]) {
        await assert.rejects(c.query(sql), (error: { code?: string; message: string }) => {
          assert.equal(error.code, '42501');
          assert.match(error.message, /^portcullis: denied: sensitive column in an expression/);
          return true;
        });
      }
      const plain = await c.query('SELECT email AS e FROM users u');
      assert.equal(plain.rows.length, 2);
      assertNoSecret(plain.rows, 'deny mode, plain');
      // What the text cannot show (a view's expression) is masked, not passed.
      assertNoSecret((await c.query('SELECT * FROM users_shout')).rows, 'deny mode, view');
    } finally {
      await c.end();
    }
  });

  it('ResultMasked events carry columns, methods and counts, and no stored event holds a raw value', async () => {
    await masked('SELECT email, ssn, note FROM users ORDER BY id');
    // After-the-fact events are carried by the recorder's next append or flushed shortly after: poll.
    let events: RecordedEvent[] = [];
    const deadline = Date.now() + 5_000;
    const expected = (e: RecordedEvent) =>
      e.type === 'ResultMasked' &&
      (e.data as { columns: { column: string }[] }).columns.some((c) => c.column === 'public.users.note');
    while (Date.now() < deadline) {
      events = [...(await world.sessions()).values()].flat();
      if (events.some(expected)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const last = events.filter(expected).at(-1)!.data as {
      sequence: number;
      columns: Record<string, unknown>[];
    };
    assert.deepEqual(last.columns, [
      { column: 'public.users.email', method: 'partial', count: 2 },
      { column: 'public.users.note', method: 'redact', detector: 'credit_card', count: 1 },
      { column: 'public.users.ssn', method: 'redact', count: 2 },
    ]);
    assertNoSecret(events, 'the event store');
  });

  it('a view redefined by another session is not read from a stale cache (in and after a transaction)', async () => {
    const reader = await client(developing.address.port);
    const writer = await client(developing.address.port);
    try {
      await writer.query("CREATE VIEW public.flip AS SELECT id, 'nothing'::text AS c FROM public.users");
      assert.deepEqual((await reader.query('SELECT c FROM flip ORDER BY id')).rows, [
        { c: 'nothing' },
        { c: 'nothing' },
      ]);
      await writer.query('CREATE OR REPLACE VIEW public.flip AS SELECT id, email AS c FROM public.users');
      const after = (await reader.query('SELECT c FROM flip ORDER BY id')).rows;
      assertNoSecret(after, 'redefined view');
      assert.match(String(after[0]!.c), /^a\*+@example\.com$/);
      // Back to harmless, then to sensitive inside a transaction: masked once it commits.
      await writer.query(
        "CREATE OR REPLACE VIEW public.flip AS SELECT id, 'nothing'::text AS c FROM public.users",
      );
      assert.deepEqual((await reader.query('SELECT c FROM flip ORDER BY id')).rows[0], { c: 'nothing' });
      // Inside a transaction (the reader would wait on the view's lock meanwhile): masked once it commits.
      await writer.query('BEGIN');
      await writer.query('CREATE OR REPLACE VIEW public.flip AS SELECT id, ssn AS c FROM public.users');
      await writer.query('COMMIT');
      assertNoSecret(
        (await reader.query('SELECT c FROM flip ORDER BY id')).rows,
        'view redefined in a transaction',
      );
    } finally {
      await writer.query('DROP VIEW IF EXISTS public.flip').catch(() => undefined);
      await reader.end();
      await writer.end();
    }
  });
});

function typed(code: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(code, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}
const int16 = (...values: number[]) => Buffer.from(values.flatMap((v) => [(v >> 8) & 0xff, v & 0xff]));
const cstring = (s: string) => Buffer.from(`${s}\0`, 'utf8');
const parseMessage = (sql: string) => typed('P', Buffer.concat([cstring(''), cstring(sql), int16(0)]));
/** Unnamed portal, no parameters, every result column in binary (format 1). */
const bindBinaryResults = () =>
  typed('B', Buffer.concat([cstring(''), cstring(''), int16(0), int16(0), int16(1, 1)]));
const describePortalMessage = () => typed('D', Buffer.concat([Buffer.from('P'), cstring('')]));
const executeMessage = () => typed('E', Buffer.concat([cstring(''), Buffer.alloc(4)]));
const syncMessage = () => typed('S', Buffer.alloc(0));
