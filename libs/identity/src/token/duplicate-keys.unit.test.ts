import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findDuplicateKey } from './duplicate-keys.js';

describe('findDuplicateKey', () => {
  it('finds a repeated top-level claim that JSON.parse would silently collapse', () => {
    const json = '{"aud":"them","sub":"x","aud":"us"}';
    assert.equal(JSON.parse(json).aud, 'us');
    assert.equal(findDuplicateKey(json), 'aud');
  });

  it('sees through escapes: "a\\u0075d" is the same name as "aud"', () => {
    assert.equal(findDuplicateKey('{"aud":"a","a\\u0075d":"b"}'), 'aud');
  });

  it('finds duplicates inside nested objects, including objects in arrays', () => {
    assert.equal(findDuplicateKey('{"realm_access":{"roles":["a"],"roles":["admin"]}}'), 'roles');
    assert.equal(findDuplicateKey('{"list":[{"k":1,"k":2}]}'), 'k');
  });

  it('does not confuse values, array members or names in sibling objects with repeats', () => {
    assert.equal(findDuplicateKey('{"a":"a","b":["a","a"],"c":{"a":1},"d":{"a":2}}'), undefined);
    assert.equal(findDuplicateKey('{"a":"x\\"y","b":"}{,\\\\","c":1}'), undefined);
    assert.equal(findDuplicateKey('{}'), undefined);
  });

  it('treats names after commas inside arrays as values, not keys', () => {
    assert.equal(findDuplicateKey('{"a":["k","k"],"k":1}'), undefined);
  });
});
