import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findMatches } from './find-hits.js';
import { hasValidChecksum, ibanDetector } from './iban.js';

const find = (text: string) => findMatches(ibanDetector, text);

describe('IBAN detector', () => {
  it('finds electronic IBANs of several countries', () => {
    for (const iban of [
      'DE89370400440532013000',
      'GB82WEST12345698765432',
      'NL91ABNA0417164300',
      'FR1420041010050500013M02606',
      'NO9386011117947',
    ]) {
      assert.deepEqual(find(iban), [iban], iban);
    }
  });

  it('finds printed IBANs grouped by four', () => {
    assert.deepEqual(find('DE89 3704 0044 0532 0130 00'), ['DE89 3704 0044 0532 0130 00']);
    assert.deepEqual(find('NO93 8601 1117 947'), ['NO93 8601 1117 947']);
  });

  it('finds an IBAN inside text and stops at its registered length', () => {
    assert.deepEqual(find('pay to DE89 3704 0044 0532 0130 00 EUR 12'), ['DE89 3704 0044 0532 0130 00']);
    assert.deepEqual(find('IBAN:GB82WEST12345698765432.'), ['GB82WEST12345698765432']);
  });

  it('rejects a bad checksum', () => {
    assert.equal(hasValidChecksum('GB82WEST12345698765433'), false);
    assert.deepEqual(find('GB82WEST12345698765433'), []);
    assert.deepEqual(find('DE88370400440532013000'), []);
    assert.deepEqual(find('DE00370400440532013000'), []);
  });

  it('rejects wrong lengths, unknown countries and lower case', () => {
    assert.deepEqual(find('DE8937040044053201300'), []); // 21, DE is 22
    assert.deepEqual(find('DE893704004405320130001'), []); // glued to one more digit
    assert.deepEqual(find('ZZ89370400440532013000'), []);
    assert.deepEqual(find('de89370400440532013000'), []);
  });

  it('ignores part numbers, hashes and ids', () => {
    for (const text of ['AB12CDEF34567890XYZ', 'SKU AB12 3456 7890 1234', 'ID12345678901234567890']) {
      assert.deepEqual(find(text), [], text);
    }
  });
});
