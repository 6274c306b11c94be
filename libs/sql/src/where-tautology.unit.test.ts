import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { parseSync } from 'libpg-query';
import { asNode } from './nodes.js';
import { initSqlParser } from './parser.js';
import { isTautology } from './where-tautology.js';

function where(condition: string) {
  const stmt = parseSync(`DELETE FROM t WHERE ${condition}`).stmts?.[0]?.stmt;
  return asNode(stmt, 'DeleteStmt')!.whereClause!;
}

describe('isTautology', () => {
  before(() => initSqlParser());

  const always = [
    'true',
    'NOT (1 = 0)',
    '1 + 1 = 2',
    "'yes'::bool",
    'a = a OR b = 1',
    '1 IN (1, 2)',
    'x IS NOT DISTINCT FROM x',
    'true IS TRUE',
    'NULL IS NULL',
    'p OR NOT p',
    'lower(a) = lower(a)',
  ];
  const sometimes = [
    'a = 1',
    'a = a AND b = 1',
    "'10' > '9'",
    'a IS NOT NULL',
    'NULL = NULL',
    'x IN (1, 2)',
    'a <> a',
    "name NOT LIKE '%'",
    '1 = 2',
  ];

  for (const condition of always)
    it(`always true: ${condition}`, () => assert.equal(isTautology(where(condition)), true));
  for (const condition of sometimes)
    it(`not always true: ${condition}`, () => assert.equal(isTautology(where(condition)), false));
});
