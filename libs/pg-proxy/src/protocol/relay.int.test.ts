import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '@portcullis/test-support';
import { startPassthroughRelay, type PassthroughRelay } from '../testing/passthrough-relay.js';
import { type FrontendMessage } from './messages.js';

let server: PostgresServer;
let relay: PassthroughRelay;

before(async () => {
  server = await startPostgres();
  relay = await startPassthroughRelay(server);
});

after(async () => {
  await relay?.close();
  await server?.stop();
});

function client(): pg.Client {
  return new pg.Client({ host: '127.0.0.1', port: relay.port, user: 'postgres', database: 'postgres' });
}

function ofType<T extends FrontendMessage['type']>(
  messages: FrontendMessage[] | undefined,
  type: T,
): Extract<FrontendMessage, { type: T }>[] {
  return (messages ?? []).filter((m): m is Extract<FrontendMessage, { type: T }> => m.type === type);
}

test('node-postgres runs simple queries through the relay, and the parser sees them', async () => {
  const before = relay.messages.length;
  const db = client();
  await db.connect();
  const result = await db.query('SELECT 1 AS one, $$a;b$$ AS text');
  assert.deepEqual(result.rows, [{ one: 1, text: 'a;b' }]);
  await db.query('CREATE TEMP TABLE agents (id int, email text)');
  await db.query("INSERT INTO agents VALUES (1, 'ci@example.com'), (2, NULL)");
  await db.end();

  const seen = relay.messages[before];
  assert.equal(seen?.[0]?.type, 'startup');
  const [startup] = ofType(seen, 'startup');
  assert.equal(startup?.parameters.user, 'postgres');
  assert.equal(startup?.parameters.database, 'postgres');
  assert.deepEqual(
    ofType(seen, 'query').map((q) => q.sql),
    [
      'SELECT 1 AS one, $$a;b$$ AS text',
      'CREATE TEMP TABLE agents (id int, email text)',
      "INSERT INTO agents VALUES (1, 'ci@example.com'), (2, NULL)",
    ],
  );
  assert.equal(seen?.at(-1)?.type, 'terminate');
  assert.deepEqual(relay.violations, []);
});

test('node-postgres runs parameterised (extended-protocol) queries; Parse and Bind are read exactly', async () => {
  const before = relay.messages.length;
  const db = client();
  await db.connect();
  const sum = await db.query('SELECT $1::int + $2::int AS sum, $3::text IS NULL AS missing', [2, 40, null]);
  assert.deepEqual(sum.rows, [{ sum: 42, missing: true }]);
  const named = { name: 'by-email', text: 'SELECT $1::text AS email, length($1::text) AS n' };
  for (const email of ['ci@example.com', 'agent@example.org']) {
    const r = await db.query({ ...named, values: [email] });
    assert.deepEqual(r.rows, [{ email, n: email.length }]);
  }
  const big = 'x'.repeat(200_000); // spans many TCP chunks: exercises split frames both ways
  const echoed = await db.query('SELECT $1::text AS big', [big]);
  assert.equal(echoed.rows[0]?.big, big);
  await db.end();

  const seen = relay.messages[before];
  const parses = ofType(seen, 'parse');
  assert.deepEqual(
    parses.map((p) => [p.statementName, p.sql]),
    [
      ['', 'SELECT $1::int + $2::int AS sum, $3::text IS NULL AS missing'],
      ['by-email', named.text],
      ['', 'SELECT $1::text AS big'],
    ],
    'a named statement is parsed once, then only bound',
  );
  const binds = ofType(seen, 'bind');
  assert.equal(binds.length, 4);
  assert.deepEqual(binds[0]?.parameters, [Buffer.from('2'), Buffer.from('40'), null]);
  assert.equal(binds[1]?.statementName, 'by-email');
  assert.deepEqual(binds[2]?.parameters, [Buffer.from('agent@example.org')]);
  assert.equal(binds[3]?.parameters[0]?.length, big.length);
  assert.ok(ofType(seen, 'execute').length === 4 && ofType(seen, 'sync').length === 4);
  assert.ok(ofType(seen, 'describe').length >= 1);
  assert.deepEqual(relay.violations, []);
});

test('a server error reaches the client through the relay and the session stays usable', async () => {
  const db = client();
  await db.connect();
  await assert.rejects(db.query('SELECT * FROM no_such_table'), (e: { code?: string }) => e.code === '42P01');
  assert.deepEqual((await db.query('SELECT 2 AS two')).rows, [{ two: 2 }]);
  await db.end();
  assert.deepEqual(relay.violations, []);
});
