import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findMatches } from './find-hits.js';
import { usSsnDetector } from './us-ssn.js';

const find = (text: string) => findMatches(usSsnDetector, text);

describe('US SSN detector', () => {
  it('finds AAA-GG-SSSS and the spaced form', () => {
    assert.deepEqual(find('123-45-6789'), ['123-45-6789']);
    assert.deepEqual(find('123 45 6789'), ['123 45 6789']);
    assert.deepEqual(find('applicant ssn 078-05-1120, verified.'), ['078-05-1120']);
  });

  it('finds nine bare digits only after an SSN keyword', () => {
    assert.deepEqual(find('SSN: 123456789'), ['123456789']);
    assert.deepEqual(find('social security number 123456789'), ['123456789']);
    assert.deepEqual(find('123456789'), []);
    assert.deepEqual(find('order 123456789'), []);
  });

  it('rejects numbers the SSA never issues', () => {
    for (const text of [
      '000-12-3456',
      '666-12-3456',
      '900-12-3456',
      '999-12-3456',
      '123-00-4567',
      '123-45-0000',
      'ssn 000123456',
      'ssn 666123456',
    ]) {
      assert.deepEqual(find(text), [], text);
    }
  });

  it('ignores order numbers, phones, dates and mixed separators', () => {
    for (const text of [
      'ORD-123-45-6789',
      'ORD123-45-6789',
      '123-45-6789-01',
      '1123-45-6789',
      '415-555-2671',
      '2024-01-15',
      '123-45 6789',
      'v1.123-45-6789',
      'ssn 1234567890',
    ]) {
      assert.deepEqual(find(text), [], text);
    }
  });
});
