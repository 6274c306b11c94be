import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initSqlParser } from './parser.js';
import { roleChanges } from './role-changes.js';

describe('roleChanges: ways back from a granted role to the connection user', () => {
  before(() => initSqlParser());

  const cases: [string, string[]][] = [
    ['SET ROLE postgres', ['SET ROLE']],
    ['set role none', ['SET ROLE']],
    ['RESET ROLE', ['RESET ROLE']],
    ['SET LOCAL ROLE postgres', ['SET ROLE']],
    ['SET SESSION AUTHORIZATION postgres', ['SET SESSION AUTHORIZATION']],
    ['RESET SESSION AUTHORIZATION', ['RESET SESSION AUTHORIZATION']],
    ['DISCARD ALL', ['DISCARD ALL']],
    ["SELECT set_config('role', 'postgres', false)", ['set_config()']],
    ["SELECT 1 FROM t WHERE pg_catalog.SET_CONFIG('ro' || 'le', 'x', true) IS NOT NULL", ['set_config()']],
    ['ALTER FUNCTION f() SET role = postgres', ['SET ROLE']],
    ["DO $$ BEGIN EXECUTE 'RESET ROLE'; END $$", ['DO']],
    ["CREATE FUNCTION f() RETURNS void LANGUAGE sql AS 'SELECT 1'", ['CREATE FUNCTION']],
    ['CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$', ['CREATE PROCEDURE']],
    ['SELECT 1; RESET ROLE', ['RESET ROLE']],
    // Fail closed: what does not parse cannot be shown to leave the role alone.
    ['SELEC 1; RESET ROLE', ['text that does not parse']],
  ];
  for (const [text, expected] of cases) {
    it(`finds ${expected.join(', ')} in ${text}`, () => assert.deepEqual(roleChanges(text), expected));
  }

  for (const text of [
    'SELECT current_user',
    "SET search_path = 'public'",
    'RESET ALL',
    'DISCARD PLANS',
    "SELECT current_setting('role')",
    "SELECT 'SET ROLE postgres'",
  ]) {
    it(`leaves ${text} alone`, () => assert.deepEqual(roleChanges(text), []));
  }
});
