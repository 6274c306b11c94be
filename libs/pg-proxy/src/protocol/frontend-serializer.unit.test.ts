import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as frontend from './frontend-serializer.js';
import { FrontendParser } from './frontend-parser.js';
import { type FrontendParseResult } from './messages.js';
import { readPasswordMessage, readSASLInitialResponse } from './authentication-response.js';
import { bare, cstr, i32, startup, typed, untyped } from '../testing/frames.js';

const cases: [string, Buffer, Buffer][] = [
  [
    'StartupMessage',
    frontend.startupMessage({ user: 'svc', database: 'app' }),
    startup({ user: 'svc', database: 'app' }),
  ],
  ['SSLRequest', frontend.sslRequest(), untyped(i32(80877103))],
  ['CancelRequest', frontend.cancelRequest(42, -7), untyped(i32(80877102), i32(42), i32(-7))],
  ['PasswordMessage', frontend.passwordMessage('md5abc'), typed('p', cstr('md5abc'))],
  [
    'SASLInitialResponse',
    frontend.saslInitialResponse('SCRAM-SHA-256', Buffer.from('n,,n=,r=abc')),
    typed('p', cstr('SCRAM-SHA-256'), i32(11), Buffer.from('n,,n=,r=abc')),
  ],
  [
    'SASLResponse',
    frontend.saslResponse(Buffer.from('c=biws,r=abc,p=xyz')),
    typed('p', Buffer.from('c=biws,r=abc,p=xyz')),
  ],
  ['Query', frontend.query('select 1'), typed('Q', cstr('select 1'))],
  ['Terminate', frontend.terminate(), typed('X')],
];

for (const [name, actual, expected] of cases) {
  test(`writes ${name} as the known bytes`, () => {
    assert.ok(actual.equals(expected), `${name}: ${actual.toString('hex')} != ${expected.toString('hex')}`);
  });
}

test('our frontend parser reads what our frontend serializer writes', () => {
  const parser = new FrontendParser();
  const out: FrontendParseResult[] = [];
  const bytes = Buffer.concat([
    frontend.startupMessage({ user: 'svc', database: 'app', application_name: 'portcullis' }),
    frontend.passwordMessage('token'),
    frontend.saslInitialResponse('SCRAM-SHA-256', Buffer.from('n,,n=,r=abc')),
    frontend.query('select 1'),
    frontend.terminate(),
  ]);
  parser.parse(bytes, (m) => out.push(m));
  assert.deepEqual(
    out.map((m) => m.type),
    ['startup', 'authenticationResponse', 'authenticationResponse', 'query', 'terminate'],
  );
  const [first, password, sasl, query] = out;
  assert.ok(first?.type === 'startup');
  assert.deepEqual(first.parameters, bare({ user: 'svc', database: 'app', application_name: 'portcullis' }));
  assert.ok(password?.type === 'authenticationResponse' && sasl?.type === 'authenticationResponse');
  assert.equal(readPasswordMessage(password), 'token');
  assert.deepEqual(readSASLInitialResponse(sasl), {
    mechanism: 'SCRAM-SHA-256',
    data: Buffer.from('n,,n=,r=abc'),
  });
  assert.ok(query?.type === 'query' && query.sql === 'select 1');
});
