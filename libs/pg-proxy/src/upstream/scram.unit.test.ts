import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientFinal, clientFirst, parseServerFirst, verifyServerFinal } from './scram.js';
import { UpstreamAuthenticationError } from './upstream-errors.js';

// RFC 7677 section 3: user "user", password "pencil".
const CLIENT_NONCE = 'rOprNGfwEbeRWgbNEkqO';
const SERVER_FIRST = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
const CLIENT_FINAL =
  'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';
const SERVER_FINAL = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

test('reproduces the RFC 7677 exchange: client proof and server signature', () => {
  const first = clientFirst('user', CLIENT_NONCE);
  assert.equal(first.message, 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
  const server = parseServerFirst(SERVER_FIRST, first.clientNonce);
  assert.equal(server.iterations, 4096);
  const final = clientFinal('pencil', first, server);
  assert.equal(final.message, CLIENT_FINAL);
  assert.equal(
    final.expectedServerSignature.toString('base64'),
    '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
  );
  verifyServerFinal(SERVER_FINAL, final.expectedServerSignature);
});

test('a wrong server signature, a server error or a wrong password fails closed', () => {
  const first = clientFirst('user', CLIENT_NONCE);
  const server = parseServerFirst(SERVER_FIRST, CLIENT_NONCE);
  const final = clientFinal('pencil', first, server);
  assert.throws(
    () => verifyServerFinal('v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', final.expectedServerSignature),
    UpstreamAuthenticationError,
  );
  assert.throws(() => verifyServerFinal('v=', final.expectedServerSignature), UpstreamAuthenticationError);
  assert.throws(() => verifyServerFinal('e=invalid-proof', final.expectedServerSignature), /invalid-proof/);
  const wrong = clientFinal('pencil2', first, server);
  assert.notEqual(wrong.message, CLIENT_FINAL);
  assert.throws(() => verifyServerFinal(SERVER_FINAL, wrong.expectedServerSignature), /does not verify/);
});

test('server-first messages that could replay or stall are refused', () => {
  assert.throws(
    () => parseServerFirst('r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096', CLIENT_NONCE),
    /nonce/,
  );
  assert.throws(
    () => parseServerFirst(`r=${CLIENT_NONCE},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`, CLIENT_NONCE),
    /nonce/,
  );
  assert.throws(
    () => parseServerFirst(`r=${CLIENT_NONCE}x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0`, CLIENT_NONCE),
    /iteration/,
  );
  assert.throws(
    () => parseServerFirst(`r=${CLIENT_NONCE}x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999`, CLIENT_NONCE),
    /iteration/,
  );
  assert.throws(() => parseServerFirst(`r=${CLIENT_NONCE}x,s=!!,i=4096`, CLIENT_NONCE), /salt/);
  assert.throws(() => parseServerFirst(`m=ext,r=${CLIENT_NONCE}x,s=W22Z,i=4096`, CLIENT_NONCE), /extension/);
});

test('generated nonces are random and the user name is escaped', () => {
  assert.notEqual(clientFirst().clientNonce, clientFirst().clientNonce);
  assert.equal(clientFirst('a=b,c', 'n').clientFirstMessageBare, 'n=a=3Db=2Cc,r=n');
  assert.match(clientFirst().message, /^n,,n=,r=[A-Za-z0-9+/=]+$/);
});
