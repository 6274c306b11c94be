import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ERASED_INPUT_PATHS, eraseInput } from './erase-input.js';

test('erases command text, statement texts and argv, and reports what it erased', () => {
  const input = {
    identity: { subject: 's' },
    command: {
      text: "ALTER ROLE x PASSWORD 'hunter2'",
      statements: [{ kind: 'role', text: 'secret' }],
      argv: ['a'],
    },
  };
  const { input: logged, erased } = eraseInput(input, DEFAULT_ERASED_INPUT_PATHS);
  assert.deepEqual(logged, { identity: { subject: 's' }, command: { statements: [{ kind: 'role' }] } });
  assert.deepEqual(erased, [
    '/input/command/text',
    '/input/command/statements/0/text',
    '/input/command/argv',
  ]);
});

test('leaves the caller input untouched and skips absent paths', () => {
  const input = { command: { text: 't' } };
  const { input: logged, erased } = eraseInput(input, ['/command/text', '/session/client_ip']);
  assert.deepEqual(input, { command: { text: 't' } });
  assert.deepEqual(logged, { command: {} });
  assert.deepEqual(erased, ['/input/command/text']);
});
