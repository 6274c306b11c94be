import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  classifyCommand,
  fingerprint,
  initSqlParser,
  normalize,
  SqlClassifier,
  SqlParserNotReadyError,
} from './index.js';

describe('command text', () => {
  before(() => initSqlParser());

  it('splits multi-statement text into per-statement texts and kinds', () => {
    const result = classifyCommand(
      "SELECT 'é;' AS x; /* c */ DELETE FROM t WHERE id = 1;\n UPDATE t SET a = 1",
    );
    assert.deepEqual(
      result.statements.map((s) => [s.kind, s.text]),
      [
        ['select', "SELECT 'é;' AS x"],
        ['delete', 'DELETE FROM t WHERE id = 1'],
        ['update', 'UPDATE t SET a = 1'],
      ],
    );
    assert.equal(result.statements[2]!.has_where, false);
  });

  it('keeps a dollar-quoted body with semicolons in one statement', () => {
    const result = classifyCommand('DO $body$ BEGIN DELETE FROM t; DROP TABLE u; END $body$; SELECT 1');
    assert.deepEqual(
      result.statements.map((s) => s.kind),
      ['do', 'select'],
    );
    assert.equal(result.statements[0]!.text, 'DO $body$ BEGIN DELETE FROM t; DROP TABLE u; END $body$');
  });

  it('passes text the parser rejects as one unparseable statement with the message and position', () => {
    const result = classifyCommand('SELECT 1; DELETE FORM t');
    assert.equal(result.statements.length, 1);
    const [statement] = result.statements;
    assert.equal(statement!.kind, 'unparseable');
    assert.equal(statement!.writes, true);
    assert.match(statement!.error ?? '', /syntax error at or near "FORM" at position 18/);
  });

  it('answers empty and comment-only text with no statements', () => {
    assert.deepEqual(classifyCommand(''), { statements: [], columns_read: [] });
    assert.deepEqual(classifyCommand('  -- nothing\n /* here */ '), { statements: [], columns_read: [] });
  });

  it('merges columns read over all statements', () => {
    const result = classifyCommand('SELECT b FROM t; SELECT a FROM t');
    assert.deepEqual(result.columns_read, ['public.t.a', 'public.t.b']);
  });

  it('serves repeated texts from the cache, frozen', () => {
    const classifier = new SqlClassifier({ cacheSize: 2 });
    const first = classifier.classifyCommand('SELECT a FROM t');
    assert.equal(classifier.classifyCommand('SELECT a FROM t'), first);
    assert.ok(Object.isFrozen(first.statements[0]!.objects));
    assert.notEqual(classifier.classifyCommand('SELECT a FROM t', { defaultSchema: 'x' }), first);
    classifier.classifyCommand('SELECT 2');
    assert.notEqual(classifier.classifyCommand('SELECT a FROM t'), first, 'evicted by two newer texts');
  });

  it('fingerprints statements that differ only in constants alike', () => {
    assert.equal(fingerprint('SELECT * FROM t WHERE id = 1'), fingerprint('select *  from t where id = 42'));
    assert.notEqual(fingerprint('SELECT * FROM t'), fingerprint('SELECT * FROM u'));
    assert.equal(normalize("SELECT * FROM t WHERE name = 'bob'"), 'SELECT * FROM t WHERE name = $1');
    assert.equal(fingerprint('SELEC nonsense'), null);
  });

  it('names the error a caller gets before the parser is loaded', () => {
    assert.equal(new SqlParserNotReadyError().code, 'INTERNAL');
  });
});

describe('columns read', () => {
  before(() => initSqlParser());
  const read = (sql: string) => classifyCommand(sql).columns_read;

  it('resolves aliases to their relation', () => {
    assert.deepEqual(read('SELECT u.email FROM users u WHERE u.id = 1'), [
      'public.users.email',
      'public.users.id',
    ]);
  });

  it('gives an unqualified column to the one relation in scope', () => {
    assert.deepEqual(read('SELECT email FROM crm.users ORDER BY id'), ['crm.users.email', 'crm.users.id']);
  });

  it('lists an ambiguous column against each candidate relation', () => {
    assert.deepEqual(read('SELECT name FROM a, b'), ['public.a.name', 'public.b.name']);
  });

  it('lists stars and whole-row references as schema.table.*', () => {
    assert.deepEqual(read('SELECT * FROM users'), ['public.users.*']);
    assert.deepEqual(read('SELECT u.* FROM users u JOIN orders o ON o.uid = u.id'), [
      'public.orders.uid',
      'public.users.*',
      'public.users.id',
    ]);
    assert.ok(read('SELECT row_to_json(u) FROM users u').includes('public.users.*'));
  });

  it('follows columns through subqueries and CTEs to the base relation', () => {
    assert.deepEqual(read('SELECT s.e FROM (SELECT email AS e FROM users) s'), ['public.users.email']);
    assert.deepEqual(read('WITH x AS (SELECT * FROM users) SELECT ssn FROM x'), [
      'public.users.*',
      'public.users.ssn',
    ]);
  });

  it('counts correlated references and USING columns', () => {
    assert.deepEqual(read('SELECT 1 FROM users u WHERE EXISTS (SELECT 1 FROM orders o WHERE o.uid = u.id)'), [
      'public.orders.uid',
      'public.users.id',
    ]);
    assert.deepEqual(read('SELECT 1 FROM a JOIN b USING (id)'), ['public.a.id', 'public.b.id']);
  });

  it('does not count the written side of UPDATE SET or INSERT columns', () => {
    assert.deepEqual(read('UPDATE t SET a = b + 1 WHERE id = 2'), ['public.t.b', 'public.t.id']);
    assert.deepEqual(read('INSERT INTO t (a, b) VALUES (1, 2)'), []);
  });
});
