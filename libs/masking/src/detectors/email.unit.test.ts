import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emailDetector } from './email.js';
import { findMatches } from './find-hits.js';

const find = (text: string) => findMatches(emailDetector, text);

describe('email detector', () => {
  it('finds ordinary addresses', () => {
    assert.deepEqual(find('john.doe@example.com'), ['john.doe@example.com']);
    assert.deepEqual(find('a.b+tag@sub.example.co.uk'), ['a.b+tag@sub.example.co.uk']);
    assert.deepEqual(find('first_last-1@my-domain.io'), ['first_last-1@my-domain.io']);
  });

  it('finds addresses inside text, without surrounding punctuation', () => {
    assert.deepEqual(find('Contact: "Jane" <jane@corp.io>, cc bob@corp.io.'), [
      'jane@corp.io',
      'bob@corp.io',
    ]);
    assert.deepEqual(find('(mailto:ops@example.org)'), ['ops@example.org']);
  });

  it('ignores package versions, handles, hosts without a TLD and malformed addresses', () => {
    for (const text of [
      'pkg@1.2.3',
      '@types/node@20.1.0',
      '@handle',
      'user@localhost',
      'foo@bar',
      'john..doe@example.com',
      'john.@example.com',
      'user@-example.com',
      '2024-01-15T12:30:45@host',
    ]) {
      assert.deepEqual(find(text), [], text);
    }
  });

  it('rejects a local part longer than 64 characters rather than take its tail', () => {
    assert.deepEqual(find('a'.repeat(100) + '@example.com'), []);
    assert.deepEqual(find('a'.repeat(64) + '@example.com'), ['a'.repeat(64) + '@example.com']);
  });
});
