import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initSqlParser, sensitiveFlows, type SensitiveFlowKind } from './index.js';

const sensitive = ['public.users.email', 'public.users.ssn'];

/** [flow, sensitive columns] per result column of the single statement. */
function flows(sql: string): [SensitiveFlowKind, string[]][] {
  const [statement] = sensitiveFlows(sql, sensitive);
  return (statement ?? []).map((f) => [f.flow, f.sensitive]);
}

describe('sensitiveFlows', () => {
  before(() => initSqlParser());

  it('finds plain references, also under an alias, and clean columns', () => {
    const [statement] = sensitiveFlows('SELECT u.email AS contact, id FROM users u', sensitive);
    assert.deepEqual(statement, [
      {
        target: 0,
        column: 0,
        name: 'contact',
        star: false,
        flow: 'plain',
        sensitive: ['public.users.email'],
      },
      { target: 1, column: 1, name: 'id', star: false, flow: 'clean', sensitive: [] },
    ]);
  });

  const derived: [string, string][] = [
    ['a cast', 'SELECT email::bytea FROM users'],
    ['a function', 'SELECT upper(email) FROM users'],
    ['a concatenation', "SELECT email || '' FROM users"],
    ['an aggregate', "SELECT string_agg(email, ',') FROM users"],
    ['row_to_json of the row', 'SELECT row_to_json(u) FROM users u'],
    ['to_json of u.*', 'SELECT to_json(u.*) FROM users u'],
    ['json_agg of the row', 'SELECT json_agg(users) FROM users'],
    ['a scalar subquery', 'SELECT (SELECT email FROM users LIMIT 1)'],
    ['a subquery filtering on it', "SELECT (SELECT count(*) FROM users WHERE ssn LIKE '1%')"],
    ['CASE', "SELECT CASE WHEN ssn IS NULL THEN 'none' ELSE 'some' END FROM users"],
    ['COALESCE', "SELECT coalesce(email, '') FROM users"],
    ['a bare whole-row reference', 'SELECT u FROM users u'],
  ];
  for (const [what, sql] of derived) {
    it(`marks ${what} as derived`, () => {
      assert.equal(flows(sql)[0]![0], 'derived');
    });
  }

  it('expands SELECT * over a table with sensitive columns as plain references', () => {
    const [statement] = sensitiveFlows('SELECT *, 1 AS one FROM users', sensitive);
    assert.deepEqual(statement![0], {
      target: 0,
      column: 0,
      name: null,
      star: true,
      flow: 'plain',
      sensitive: ['public.users.email', 'public.users.ssn'],
    });
    assert.deepEqual(statement![1], {
      target: 1,
      column: null,
      name: 'one',
      star: false,
      flow: 'clean',
      sensitive: [],
    });
  });

  it('follows subqueries and CTEs: plain stays plain, derived stays derived', () => {
    assert.deepEqual(flows('SELECT e FROM (SELECT email AS e FROM users) s'), [
      ['plain', ['public.users.email']],
    ]);
    assert.deepEqual(flows('WITH x AS (SELECT lower(email) AS m FROM users) SELECT * FROM x'), [
      ['derived', ['public.users.email']],
    ]);
    assert.deepEqual(flows('WITH x AS (SELECT * FROM users) SELECT ssn FROM x'), [
      ['plain', ['public.users.ssn']],
    ]);
  });

  it('marks a UNION mixing a sensitive and a clean column as derived', () => {
    assert.deepEqual(flows('SELECT name FROM orders UNION SELECT email FROM users'), [
      ['derived', ['public.users.email']],
    ]);
    assert.deepEqual(flows('SELECT email FROM users UNION SELECT email FROM users'), [
      ['plain', ['public.users.email']],
    ]);
  });

  it('treats other tables and filters in WHERE as clean results', () => {
    assert.deepEqual(flows("SELECT id FROM users WHERE email = 'x'"), [['clean', []]]);
    assert.deepEqual(flows('SELECT email FROM orders'), [['clean', []]]);
  });

  it('reports RETURNING columns of DML', () => {
    assert.deepEqual(flows('DELETE FROM users WHERE id = 1 RETURNING email'), [
      ['plain', ['public.users.email']],
    ]);
  });

  it('accepts table.column shorthand for the default schema', () => {
    const [statement] = sensitiveFlows('SELECT email FROM users', ['users.email']);
    assert.equal(statement![0]!.flow, 'plain');
  });
});
