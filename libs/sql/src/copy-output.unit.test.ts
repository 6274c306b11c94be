import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { copyOutput } from './copy-output.js';
import { initSqlParser } from './parser.js';

before(() => initSqlParser());

test('COPY t TO STDOUT: the table with ONLY, its columns in order, quoted', () => {
  assert.deepEqual(copyOutput('COPY users TO STDOUT'), {
    source: 'SELECT * FROM ONLY "users"',
    format: 'text',
    options: {},
  });
  assert.equal(
    copyOutput('copy public."Odd ""Name""" (ssn, Email) to stdout')?.source,
    'SELECT "ssn", "email" FROM ONLY "public"."Odd ""Name"""',
  );
});

test('COPY (query) TO STDOUT: the inner query, found by the scanner (strings and comments with parentheses)', () => {
  const out = copyOutput("COPY (SELECT ')', upper(email) /* ) */ FROM users WHERE note = 'é(') TO STDOUT");
  assert.equal(out?.source, "SELECT ')', upper(email) /* ) */ FROM users WHERE note = 'é('");
});

test('format and options, new and old syntax', () => {
  assert.deepEqual(copyOutput("COPY t TO STDOUT WITH (FORMAT csv, HEADER, DELIMITER ';', FORCE_QUOTE *)"), {
    source: 'SELECT * FROM ONLY "t"',
    format: 'csv',
    options: { header: 'true', delimiter: ';', force_quote: '*' },
  });
  assert.equal(copyOutput('COPY t TO STDOUT CSV HEADER')?.format, 'csv');
  assert.equal(copyOutput('COPY t TO STDOUT (FORMAT binary)')?.format, 'binary');
  assert.equal(copyOutput('COPY BINARY t TO STDOUT')?.format, 'binary');
});

test('anything but COPY … TO STDOUT is null', () => {
  for (const sql of [
    'COPY t FROM STDIN',
    "COPY t TO '/tmp/x'",
    "COPY t TO PROGRAM 'cat'",
    'SELECT 1',
    'COPY t TO STDOUT; COPY t TO STDOUT',
    'COPY (SELECT',
  ]) {
    assert.equal(copyOutput(sql), null, sql);
  }
});
