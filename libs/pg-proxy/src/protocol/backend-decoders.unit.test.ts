import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeAuthenticationRequest,
  decodeBackendKeyData,
  decodeCommandComplete,
  decodeNoticeFields,
  decodeParameterStatus,
  decodeReadyForQuery,
} from './backend-decoders.js';
import * as backend from './backend-serializer.js';
import { ProtocolViolation } from './protocol-violation.js';
import { bare, byte, cstr, i32, typed } from '../testing/frames.js';

test('decodes every authentication request the upstream may send', () => {
  assert.deepEqual(decodeAuthenticationRequest(typed('R', i32(0))), { kind: 'ok' });
  assert.deepEqual(decodeAuthenticationRequest(typed('R', i32(3))), { kind: 'cleartextPassword' });
  assert.deepEqual(decodeAuthenticationRequest(typed('R', i32(5), Buffer.of(1, 2, 3, 4))), {
    kind: 'md5Password',
    salt: Buffer.of(1, 2, 3, 4),
  });
  assert.deepEqual(
    decodeAuthenticationRequest(
      typed('R', i32(10), cstr('SCRAM-SHA-256-PLUS'), cstr('SCRAM-SHA-256'), Buffer.of(0)),
    ),
    { kind: 'sasl', mechanisms: ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256'] },
  );
  assert.deepEqual(decodeAuthenticationRequest(typed('R', i32(11), Buffer.from('r=x'))), {
    kind: 'saslContinue',
    data: Buffer.from('r=x'),
  });
  assert.deepEqual(decodeAuthenticationRequest(typed('R', i32(7))), { kind: 'unsupported', code: 7 });
});

test('malformed authentication requests are violations', () => {
  for (const frame of [
    typed('R', i32(5), Buffer.of(1, 2)),
    typed('R', i32(10), cstr('SCRAM-SHA-256')),
    typed('R'),
  ]) {
    const decoded = decodeAuthenticationRequest(frame);
    assert.ok(decoded instanceof ProtocolViolation && decoded.reason === 'malformed');
  }
  assert.ok(decodeAuthenticationRequest(typed('Z', byte('I'))) instanceof ProtocolViolation);
});

test('decodes startup and status messages written by the serializer', () => {
  assert.deepEqual(decodeParameterStatus(backend.parameterStatus('TimeZone', 'UTC')), {
    name: 'TimeZone',
    value: 'UTC',
  });
  assert.deepEqual(decodeBackendKeyData(backend.backendKeyData(99, -1)), { processId: 99, secretKey: -1 });
  assert.equal(decodeReadyForQuery(backend.readyForQuery('T')), 'T');
  assert.equal(decodeCommandComplete(backend.commandComplete('INSERT 0 3')), 'INSERT 0 3');
  assert.deepEqual(
    decodeNoticeFields(backend.errorResponse({ severity: 'FATAL', code: '28P01', message: 'bad password' })),
    bare({ S: 'FATAL', V: 'FATAL', C: '28P01', M: 'bad password' }),
  );
  assert.ok(decodeReadyForQuery(typed('Z', byte('X'))) instanceof ProtocolViolation);
  assert.ok(decodeNoticeFields(typed('E', byte('S'), cstr('ERROR'))) instanceof ProtocolViolation);
});
