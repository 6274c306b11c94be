import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { awsAccessKeyIdDetector } from './aws-access-key-id.js';
import { findMatches } from './find-hits.js';

const find = (text: string) => findMatches(awsAccessKeyIdDetector, text);

describe('AWS access key id detector', () => {
  it('finds long-term and temporary key ids, alone or embedded', () => {
    assert.deepEqual(find('AKIAIOSFODNN7EXAMPLE'), ['AKIAIOSFODNN7EXAMPLE']);
    assert.deepEqual(find('ASIAY34FZKBOKMUTVV7A'), ['ASIAY34FZKBOKMUTVV7A']);
    assert.deepEqual(find('aws_access_key_id=AKIAIOSFODNN7EXAMPLE;'), ['AKIAIOSFODNN7EXAMPLE']);
  });

  it('rejects wrong lengths, non-base32 characters, other prefixes and lower case', () => {
    for (const text of [
      'AKIAIOSFODNN7EXAMPL',
      'AKIAIOSFODNN7EXAMPLE1',
      'XAKIAIOSFODNN7EXAMPLE',
      'AKIA0OSFODNN7EXAMPLE',
      'AKIA1OSFODNN7EXAMPLE',
      'AIDAIOSFODNN7EXAMPLE',
      'akiaiosfodnn7example',
      'AKIA IOSFODNN7EXAMPLE',
    ]) {
      assert.deepEqual(find(text), [], text);
    }
  });
});
