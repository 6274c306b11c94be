import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { classifyCommand } from './index.js';
import { initSqlParser } from './parser.js';
import { isEffectFree } from './effect-free.js';

describe('isEffectFree: statements that may run before their audit record is durable', () => {
  before(() => initSqlParser());

  const effectFree = [
    'SELECT abalance FROM pgbench_accounts WHERE aid = $1',
    'select 1',
    'SELECT 7 AS read_id, count(*) AS rows FROM public.t',
    'SELECT lower(email), coalesce(name, $1) FROM users ORDER BY 1 LIMIT 10',
    'SELECT pg_catalog.count(*) FROM t',
    'WITH x AS (SELECT id FROM t) SELECT * FROM x JOIN u USING (id)',
    'SELECT now(), current_timestamp',
  ];
  const notEffectFree = [
    "SELECT nextval('s')",
    'SELECT my_function(1)',
    'SELECT evil.lower(name) FROM t',
    "SELECT pg_read_file('/etc/passwd')",
    'SELECT * FROM t FOR UPDATE',
    'SELECT * FROM t for no key update',
    'SELECT * FROM t FOR SHARE SKIP LOCKED',
    'SELECT * INTO copy_of_t FROM t',
    'WITH gone AS (DELETE FROM t RETURNING *) SELECT * FROM gone',
    'SELECT 1; SELECT 2',
    'INSERT INTO t VALUES (1)',
    'EXPLAIN ANALYZE SELECT 1',
    "SELECT * FROM dblink('x', 'DELETE FROM t') AS r(a int)",
    'COPY t TO STDOUT',
    'BEGIN',
    'SET search_path = evil',
    'SELECT pg_sleep(1)',
    'SELECT random()',
    'this is not sql',
  ];

  for (const text of effectFree) {
    it(`effect-free: ${text}`, () => assert.equal(isEffectFree(classifyCommand(text)), true));
  }
  for (const text of notEffectFree) {
    it(`waits write-ahead: ${text}`, () => assert.equal(isEffectFree(classifyCommand(text)), false));
  }
});
