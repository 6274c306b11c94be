import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readPasswordMessage, readSASLInitialResponse, readSASLResponse } from './authentication-response.js';
import { type AuthenticationResponse } from './messages.js';
import { ProtocolViolation } from './protocol-violation.js';
import { cstr, i32, typed } from '../testing/frames.js';

const response = (...body: Buffer[]): AuthenticationResponse => {
  const frame = typed('p', ...body);
  return { type: 'authenticationResponse', frame, data: frame.subarray(5) };
};

test('reads a p message by the authentication state the caller knows', () => {
  assert.equal(readPasswordMessage(response(cstr('token'))), 'token');
  assert.deepEqual(readSASLInitialResponse(response(cstr('SCRAM-SHA-256'), i32(3), Buffer.from('n,,'))), {
    mechanism: 'SCRAM-SHA-256',
    data: Buffer.from('n,,'),
  });
  assert.deepEqual(readSASLInitialResponse(response(cstr('SCRAM-SHA-256'), i32(-1))), {
    mechanism: 'SCRAM-SHA-256',
    data: null,
  });
  assert.deepEqual(readSASLResponse(response(Buffer.from('c=biws'))), Buffer.from('c=biws'));
});

test('a p message that does not fit the expected form is a violation', () => {
  assert.ok(readPasswordMessage(response(Buffer.from('token'))) instanceof ProtocolViolation);
  assert.ok(readPasswordMessage(response(cstr('a'), cstr('b'))) instanceof ProtocolViolation);
  assert.ok(
    readSASLInitialResponse(response(cstr('SCRAM-SHA-256'), i32(10), Buffer.from('n,,'))) instanceof
      ProtocolViolation,
  );
});
