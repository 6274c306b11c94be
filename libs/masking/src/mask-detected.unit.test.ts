import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskDetected, maskDetectedBytes } from './mask-detected.js';
import { detect, detectBytes } from './scanner.js';
import { type DetectorHit } from './detectors/detector.js';
import { createMasker } from './masker.js';

const options = { hashKey: 'deployment-secret-0123456789abcdef' };

describe('maskDetected', () => {
  it('replaces only the detected spans', () => {
    const value = 'card 4111 1111 1111 1111 exp 12/29';
    assert.equal(maskDetected(value, detect(value), 'redact'), 'card **** exp 12/29');
    assert.equal(maskDetected(value, detect(value), 'partial'), 'card **** **** **** 1111 exp 12/29');
  });

  it('masks several kinds, each with the method the policy gave its detector', () => {
    const value = 'john.doe@example.com paid with 4111111111111111';
    const masked = maskDetected(value, detect(value), { email: 'partial', credit_card: 'redact' });
    assert.equal(masked, 'j***@example.com paid with ****');
  });

  it('redacts a hit whose detector the methods do not mention', () => {
    const value = 'call +44 20 7946 0958';
    assert.equal(maskDetected(value, detect(value), { email: 'partial' }), 'call ****');
  });

  it('hashes spans so equal values still join', () => {
    const a = maskDetected('to john@example.com', detect('to john@example.com'), 'hash', options);
    const b = maskDetected('from john@example.com', detect('from john@example.com'), 'hash', options);
    assert.equal(a!.slice(3), b!.slice(5));
    assert.match(a!, /^to [0-9a-f]{16}$/);
  });

  it('uses a masker the caller already holds', () => {
    const masker = createMasker({ ...options, redactMarker: '[x]' });
    assert.equal(maskDetected('ssn 123-45-6789', detect('ssn 123-45-6789'), 'redact', masker), 'ssn [x]');
  });

  it('makes the whole value NULL when a hit is masked with null', () => {
    const value = 'ssn 123-45-6789';
    assert.equal(maskDetected(value, detect(value), 'null'), null);
  });

  it('masks overlapping hits once, with the least revealing method', () => {
    const hits: DetectorHit[] = [
      { kind: 'email', start: 0, end: 10 },
      { kind: 'phone', start: 5, end: 15 },
    ];
    assert.equal(maskDetected('abcdefghijklmnopq', hits, { email: 'partial', phone: 'redact' }), '****pq');
  });

  it('redacts an encoded hit rather than keep characters of the encoding', () => {
    const value = '\\x34313131313131313131313131313131';
    assert.equal(maskDetected(value, detect(value), 'partial'), '\\x****');
  });

  it('returns the value untouched when nothing was found', () => {
    assert.equal(maskDetected('nothing here', detect('nothing here'), 'redact'), 'nothing here');
  });
});

describe('maskDetectedBytes', () => {
  it('agrees with the string path, including around multi-byte characters', () => {
    const values = [
      'Zoë paid with 4111 1111 1111 1111 — merci ✓',
      'née Ångström, mail zoë.x@example.com or jane.doe@example.com',
      'ssn 123-45-6789 😀 and card 5555555555554444',
      'plain text, nothing to find',
    ];
    for (const method of ['redact', 'partial', 'hash'] as const) {
      for (const value of values) {
        const bytes = Buffer.from(value, 'utf8');
        const fromBytes = maskDetectedBytes(bytes, detectBytes(bytes), method, options);
        assert.equal(fromBytes?.toString('utf8'), maskDetected(value, detect(value), method, options));
      }
    }
  });
});
