import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findMatches } from './find-hits.js';
import { phoneDetector } from './phone.js';

const find = (text: string) => findMatches(phoneDetector, text);

describe('phone detector', () => {
  it('finds E.164 and international formats', () => {
    assert.deepEqual(find('+14155552671'), ['+14155552671']);
    assert.deepEqual(find('+44 20 7946 0958'), ['+44 20 7946 0958']);
    assert.deepEqual(find('+49-30-1234567'), ['+49-30-1234567']);
    assert.deepEqual(find('call +1 (415) 555-2671 now'), ['+1 (415) 555-2671']);
  });

  it('finds the common NANP formats', () => {
    for (const phone of [
      '(415) 555-2671',
      '415-555-2671',
      '415.555.2671',
      '415 555 2671',
      '1-800-555-0199',
    ]) {
      assert.deepEqual(find(`tel ${phone}.`), [phone], phone);
    }
  });

  it('never takes a bare digit run for a phone', () => {
    assert.deepEqual(find('4155552671'), []);
    assert.deepEqual(find('order 14155552671'), []);
  });

  it('rejects invalid NANP area codes and exchanges', () => {
    assert.deepEqual(find('123-456-7890'), []); // area starts with 1
    assert.deepEqual(find('911-555-1234'), []); // N11 service code
    assert.deepEqual(find('415-011-1234'), []); // exchange starts with 0
    assert.deepEqual(find('415-555.2671'), []); // mixed separators
  });

  it('ignores timestamps, versions, addresses and short numbers', () => {
    for (const text of [
      '2024-01-15 12:30:45.123456+00',
      '1.2.3+20240115',
      '192.168.100.200',
      '+123',
      '+0 20 7946 0958',
      '415-555-26710',
      'ext 555-2671',
      '2024.01.15',
    ]) {
      assert.deepEqual(find(text), [], text);
    }
  });
});
