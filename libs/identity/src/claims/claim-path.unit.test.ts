import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readClaim } from './claim-path.js';

const claims = {
  sub: 'svc',
  realm_access: { roles: ['db-read'] },
  'https://example.com/roles': ['admin'],
  'a.b': 'dotted name',
};

describe('readClaim', () => {
  it('follows dotted paths into nested objects', () => {
    assert.deepEqual(readClaim(claims, 'realm_access.roles'), ['db-read']);
    assert.equal(readClaim(claims, 'sub'), 'svc');
  });

  it('reads names with dots and slashes through a JSON Pointer', () => {
    assert.deepEqual(readClaim(claims, '/https:~1~1example.com~1roles'), ['admin']);
    assert.equal(readClaim(claims, '/a.b'), 'dotted name');
  });

  it('answers undefined for missing paths and never walks the prototype chain', () => {
    assert.equal(readClaim(claims, 'realm_access.groups'), undefined);
    assert.equal(readClaim(claims, 'sub.length'), undefined);
    assert.equal(readClaim(claims, '__proto__'), undefined);
    assert.equal(readClaim(claims, 'constructor.name'), undefined);
  });
});
