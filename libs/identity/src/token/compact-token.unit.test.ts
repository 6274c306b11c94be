import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenRejectedError } from '../errors.js';
import { readCompactToken } from './compact-token.js';

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jws = (header: unknown, claims: unknown) => `${part(header)}.${part(claims)}.c2ln`;

function reasonOf(token: unknown, max = 16 * 1024): string {
  try {
    readCompactToken(token, max);
  } catch (error) {
    assert.ok(error instanceof TokenRejectedError);
    return error.reason;
  }
  return 'accepted';
}

describe('readCompactToken', () => {
  it('decodes header and claims of a well-formed compact JWS', () => {
    const token = readCompactToken(jws({ alg: 'RS256', kid: 'k1' }, { iss: 'https://idp', sub: 'a' }), 1024);
    assert.deepEqual(token.header, { alg: 'RS256', kid: 'k1' });
    assert.deepEqual(token.claims, { iss: 'https://idp', sub: 'a' });
    assert.equal(token.signed, true);
  });

  it('lets an empty signature through to the header check, which owns alg: none', () => {
    const unsecured = `${part({ alg: 'none' })}.${part({ sub: 'a' })}.`;
    assert.equal(readCompactToken(unsecured, 1024).signed, false);
  });

  it('refuses on size before decoding anything', () => {
    assert.equal(reasonOf('x'.repeat(2049), 2048), 'too_large');
  });

  it('recognises a JWE by its five parts and by an "enc" header', () => {
    assert.equal(reasonOf('a.b.c.d.e'), 'encrypted_token');
    assert.equal(reasonOf(jws({ alg: 'RSA-OAEP', enc: 'A256GCM' }, {})), 'encrypted_token');
  });

  it('calls everything else that is not three base64url JSON objects malformed', () => {
    for (const bad of [
      '',
      'a.b',
      'a..c',
      '.b.c',
      'a.b.c.d',
      'a+b.c.d',
      `${part([1])}.${part({})}.c2ln`,
      42,
    ]) {
      assert.equal(reasonOf(bad), 'malformed', String(bad));
    }
    assert.equal(
      reasonOf(`${part({ alg: 'RS256' })}.${Buffer.from('not json').toString('base64url')}.c2ln`),
      'malformed',
    );
  });

  it('refuses duplicate claim names and duplicate header parameters', () => {
    const claims = Buffer.from('{"sub":"a","sub":"b"}').toString('base64url');
    assert.equal(reasonOf(`${part({ alg: 'RS256' })}.${claims}.c2ln`), 'duplicate_claim');
    const header = Buffer.from('{"alg":"RS256","alg":"none"}').toString('base64url');
    assert.equal(reasonOf(`${header}.${part({})}.c2ln`), 'malformed');
  });
});
