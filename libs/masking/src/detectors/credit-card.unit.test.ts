import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { creditCardDetector } from './credit-card.js';
import { findMatches } from './find-hits.js';
import { passesLuhn } from './luhn.js';

const find = (text: string) => findMatches(creditCardDetector, text);

describe('credit card detector', () => {
  it('finds test numbers of the major networks', () => {
    for (const card of [
      '4111111111111111', // visa
      '4012888888881881', // visa
      '5555555555554444', // mastercard 51-55
      '2223003122003222', // mastercard 2-series
      '378282246310005', // amex
      '371449635398431', // amex
      '6011111111111117', // discover
      '3530111333300000', // jcb
      '30569309025904', // diners, 14 digits
      '6200000000000005', // unionpay
    ]) {
      assert.deepEqual(find(card), [card], card);
    }
  });

  it('finds grouped numbers with spaces or dashes', () => {
    assert.deepEqual(find('4111 1111 1111 1111'), ['4111 1111 1111 1111']);
    assert.deepEqual(find('4111-1111-1111-1111'), ['4111-1111-1111-1111']);
    assert.deepEqual(find('3782 822463 10005'), ['3782 822463 10005']); // amex 4-6-5
  });

  it('finds a card embedded in longer text, with its exact span', () => {
    assert.deepEqual(find('card 4111 1111 1111 1111 exp'), ['4111 1111 1111 1111']);
    assert.deepEqual(find('paid with 5555555555554444.'), ['5555555555554444']);
    assert.deepEqual(find('cards: 4111111111111111, 378282246310005'), [
      '4111111111111111',
      '378282246310005',
    ]);
  });

  it('finds the card among extra groups on the same line', () => {
    assert.deepEqual(find('4111 1111 1111 1111 2029'), ['4111 1111 1111 1111']);
  });

  it('rejects numbers failing Luhn', () => {
    assert.equal(passesLuhn('4111111111111112'), false);
    assert.deepEqual(find('4111111111111112'), []);
    assert.deepEqual(find('4111 1111 1111 1112'), []);
    assert.deepEqual(find('5555555555554445'), []);
  });

  it('rejects Luhn-valid numbers without a known issuer prefix', () => {
    assert.equal(passesLuhn('1234567812345670'), true);
    assert.deepEqual(find('1234567812345670'), []);
    assert.deepEqual(find('9999999999999995'), []);
  });

  it('rejects a known prefix at a length that network never issues', () => {
    assert.equal(passesLuhn('37828224631000'), false);
    assert.deepEqual(find('4111111111111111111111'), []); // 22 digits
    assert.deepEqual(find('34343434343434343'), []); // amex prefix, 17 digits
  });

  it('ignores order numbers, timestamps, ids and amounts', () => {
    for (const text of [
      'ORD-4111111111111111',
      'order 20240115123045123',
      '1700000000000',
      '2024-01-15 12:30:45.123456+00',
      '550e8400-e29b-41d4-a716-446655440000',
      'v4.111.1111.1111.1111',
      '4111111111111111.25',
      '0.4111111111111111',
      '41111111111111111111111111',
      '1 2 3 4 5 6 7 8 9 1 2 3 4',
      '4111 1111-1111 1111',
    ]) {
      assert.deepEqual(find(text), [], text);
    }
  });
});
