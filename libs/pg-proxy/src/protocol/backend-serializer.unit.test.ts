import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
// pg-protocol's ESM entry ships no types; its CommonJS build does. It is the
// parser node-postgres uses, so it serves as an independent reader of our output.
import { parse } from 'pg-protocol/dist/index.js';
import * as backend from './backend-serializer.js';
import { byte, cstr, i16, i32, typed, u32, value } from '../testing/frames.js';

const cases: [string, Buffer, Buffer][] = [
  ['AuthenticationOk', backend.authenticationOk(), typed('R', i32(0))],
  ['AuthenticationCleartextPassword', backend.authenticationCleartextPassword(), typed('R', i32(3))],
  [
    'AuthenticationSASL',
    backend.authenticationSASL(['SCRAM-SHA-256']),
    typed('R', i32(10), cstr('SCRAM-SHA-256'), Buffer.of(0)),
  ],
  [
    'AuthenticationSASLContinue',
    backend.authenticationSASLContinue(Buffer.from('r=abc')),
    typed('R', i32(11), Buffer.from('r=abc')),
  ],
  [
    'AuthenticationSASLFinal',
    backend.authenticationSASLFinal(Buffer.from('v=xyz')),
    typed('R', i32(12), Buffer.from('v=xyz')),
  ],
  [
    'ParameterStatus',
    backend.parameterStatus('server_version', '15.8'),
    typed('S', cstr('server_version'), cstr('15.8')),
  ],
  ['BackendKeyData', backend.backendKeyData(1234, -5678), typed('K', i32(1234), i32(-5678))],
  ['ReadyForQuery I', backend.readyForQuery('I'), typed('Z', byte('I'))],
  ['ReadyForQuery T', backend.readyForQuery('T'), typed('Z', byte('T'))],
  ['ReadyForQuery E', backend.readyForQuery('E'), typed('Z', byte('E'))],
  [
    'ErrorResponse',
    backend.errorResponse({
      severity: 'ERROR',
      code: '42501',
      message: 'portcullis: denied: drop of public.users',
      detail: 'policy prod/deny-ddl',
      hint: 'ask for approval',
    }),
    typed(
      'E',
      byte('S'),
      cstr('ERROR'),
      byte('V'),
      cstr('ERROR'),
      byte('C'),
      cstr('42501'),
      byte('M'),
      cstr('portcullis: denied: drop of public.users'),
      byte('D'),
      cstr('policy prod/deny-ddl'),
      byte('H'),
      cstr('ask for approval'),
      Buffer.of(0),
    ),
  ],
  [
    'NoticeResponse',
    backend.noticeResponse({ severity: 'NOTICE', code: '00000', message: 'masked 2 columns' }),
    typed(
      'N',
      byte('S'),
      cstr('NOTICE'),
      byte('V'),
      cstr('NOTICE'),
      byte('C'),
      cstr('00000'),
      byte('M'),
      cstr('masked 2 columns'),
      Buffer.of(0),
    ),
  ],
  ['CommandComplete', backend.commandComplete('SELECT 1'), typed('C', cstr('SELECT 1'))],
  ['EmptyQueryResponse', backend.emptyQueryResponse(), typed('I')],
  [
    'RowDescription',
    backend.rowDescription([
      { name: 'id', tableOid: 16384, columnNumber: 1, typeOid: 23, typeSize: 4, typeModifier: -1, format: 0 },
      {
        name: 'email',
        tableOid: 16384,
        columnNumber: 2,
        typeOid: 25,
        typeSize: -1,
        typeModifier: -1,
        format: 1,
      },
    ]),
    typed(
      'T',
      i16(2),
      cstr('id'),
      u32(16384),
      i16(1),
      u32(23),
      i16(4),
      i32(-1),
      i16(0),
      cstr('email'),
      u32(16384),
      i16(2),
      u32(25),
      i16(-1),
      i32(-1),
      i16(1),
    ),
  ],
  [
    'DataRow',
    backend.dataRow(['1', null, Buffer.from('j***@example.com'), '']),
    typed('D', i16(4), value('1'), value(null), value('j***@example.com'), value('')),
  ],
  ['ParseComplete', backend.parseComplete(), typed('1')],
  ['BindComplete', backend.bindComplete(), typed('2')],
  ['CloseComplete', backend.closeComplete(), typed('3')],
  ['NoData', backend.noData(), typed('n')],
  [
    'ParameterDescription',
    backend.parameterDescription([23, 25, 4294967295]),
    typed('t', i16(3), u32(23), u32(25), u32(4294967295)),
  ],
];

for (const [name, actual, expected] of cases) {
  test(`writes ${name} as the known bytes`, () => {
    assert.ok(actual.equals(expected), `${name}: ${actual.toString('hex')} != ${expected.toString('hex')}`);
  });
}

test('node-postgres reads what we write', async () => {
  const stream = new PassThrough();
  const seen: Record<string, unknown>[] = [];
  const done = parse(stream, (message) => seen.push(message as unknown as Record<string, unknown>));
  stream.end(
    Buffer.concat([
      backend.authenticationOk(),
      backend.parameterStatus('client_encoding', 'UTF8'),
      backend.backendKeyData(7, 8),
      backend.readyForQuery('I'),
      backend.rowDescription([
        {
          name: 'email',
          tableOid: 0,
          columnNumber: 0,
          typeOid: 25,
          typeSize: -1,
          typeModifier: -1,
          format: 0,
        },
      ]),
      backend.dataRow(['a@b.c', null]),
      backend.commandComplete('SELECT 1'),
      backend.errorResponse({
        severity: 'ERROR',
        code: '42501',
        message: 'portcullis: denied: no',
        hint: 'h',
      }),
    ]),
  );
  await done;
  assert.deepEqual(
    seen.map((m) => m.name),
    [
      'authenticationOk',
      'parameterStatus',
      'backendKeyData',
      'readyForQuery',
      'rowDescription',
      'dataRow',
      'commandComplete',
      'error',
    ],
  );
  assert.equal(seen[1]?.parameterValue, 'UTF8');
  assert.equal(seen[2]?.processID, 7);
  assert.equal(seen[3]?.status, 'I');
  assert.deepEqual(seen[5]?.fields, ['a@b.c', null]);
  assert.equal(seen[7]?.code, '42501');
  assert.equal(seen[7]?.message, 'portcullis: denied: no');
  assert.equal(seen[7]?.hint, 'h');
});

test('a NUL inside a string is refused, and the shared writer is not left dirty', () => {
  assert.throws(() => backend.commandComplete('SELECT\0 1'), /NUL/);
  assert.ok(backend.commandComplete('SELECT 1').equals(typed('C', cstr('SELECT 1'))));
});
