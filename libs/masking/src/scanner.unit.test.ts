import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createScanner, detect, detectBytes } from './scanner.js';

const spans = (text: string, scan = detect) =>
  scan(text).map((h) => ({ kind: h.kind, text: text.slice(h.start, h.end), encoding: h.encoding }));
const hex = (s: string) => Buffer.from(s).toString('hex');
const base64 = (s: string) => Buffer.from(s).toString('base64');

describe('detect', () => {
  it('finds every kind embedded in longer text, sorted by position', () => {
    const text =
      'Ticket: jane.doe@example.com called from +44 20 7946 0958 about card 4111 1111 1111 1111 ' +
      'and ssn 123-45-6789; refund to DE89 3704 0044 0532 0130 00; key AKIAIOSFODNN7EXAMPLE';
    assert.deepEqual(
      spans(text).map((s) => [s.kind, s.text]),
      [
        ['email', 'jane.doe@example.com'],
        ['phone', '+44 20 7946 0958'],
        ['credit_card', '4111 1111 1111 1111'],
        ['us_ssn', '123-45-6789'],
        ['iban', 'DE89 3704 0044 0532 0130 00'],
        ['aws_access_key_id', 'AKIAIOSFODNN7EXAMPLE'],
      ],
    );
  });

  it('finds nothing in ordinary column values', () => {
    for (const value of [
      'Alice Johnson',
      '2024-01-15 12:30:45.123456+00',
      '550e8400-e29b-41d4-a716-446655440000',
      '550e8400e29b41d4a716446655440000',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'v1.2.3',
      '10.0.0.1',
      '42.50',
      '1700000000000',
      'Order 98765 left the warehouse at 10:42',
      '/usr/local/share/applications',
      'ThisIsAVeryLongIdentifierName',
      base64('hello world, nothing to see here'),
      '{"status":"shipped","items":3}',
    ]) {
      assert.deepEqual(detect(value), [], value);
    }
  });
});

describe('encoded values', () => {
  it('finds a card in bytea hex output', () => {
    const value = `\\x${hex('4111111111111111')}`;
    assert.deepEqual(spans(value), [{ kind: 'credit_card', text: hex('4111111111111111'), encoding: 'hex' }]);
  });

  it('finds sensitive text in plain hex, upper or lower case', () => {
    assert.deepEqual(
      spans(`blob ${hex('ssn 123-45-6789').toUpperCase()} end`).map((s) => [s.kind, s.encoding]),
      [['us_ssn', 'hex']],
    );
  });

  it('finds sensitive values in base64 and base64url', () => {
    assert.deepEqual(
      spans(base64('4111111111111111')).map((s) => [s.kind, s.encoding]),
      [['credit_card', 'base64']],
    );
    const email = Buffer.from('john.doe@example.com?').toString('base64url');
    assert.deepEqual(
      spans(`payload=${email}`).map((s) => [s.kind, s.text]),
      [['email', email]],
    );
  });

  it('reports every kind found in one encoded run, on the whole run', () => {
    const run = base64('card 4111 1111 1111 1111 for jane@example.com');
    assert.deepEqual(
      spans(run).map((s) => [s.kind, s.text.length]),
      [
        ['credit_card', run.length],
        ['email', run.length],
      ],
    );
  });

  it('decodes one level only, and not at all when disabled', () => {
    assert.deepEqual(detect(base64(hex('4111111111111111'))), []);
    assert.deepEqual(createScanner({ decodeEncoded: false }).detect(base64('4111111111111111')), []);
  });
});

describe('scanner options', () => {
  it('runs only the detectors it was given', () => {
    const scanner = createScanner({ kinds: ['email'] });
    const text = 'jane@example.com 4111111111111111';
    assert.deepEqual(
      scanner.detect(text).map((h) => h.kind),
      ['email'],
    );
  });

  it('finds nothing with no detectors', () => {
    assert.deepEqual(createScanner({ kinds: [] }).detect(base64('jane@example.com')), []);
  });
});

describe('detectBytes', () => {
  it('agrees with detect, with spans in bytes', () => {
    for (const value of [
      'Zoë paid with 4111 1111 1111 1111 — merci ✓',
      '😀 jane.doe@example.com 😀 AKIAIOSFODNN7EXAMPLE',
      `données: \\x${hex('4111111111111111')}`,
      'ssn 123-45-6789',
      'Alice Johnson',
    ]) {
      const bytes = Buffer.from(value, 'utf8');
      const fromBytes = detectBytes(bytes).map((h) => [
        h.kind,
        bytes.subarray(h.start, h.end).toString('utf8'),
      ]);
      const fromText = detect(value).map((h) => [h.kind, value.slice(h.start, h.end)]);
      assert.deepEqual(fromBytes, fromText, value);
    }
  });

  it('reads a view into a larger buffer', () => {
    const row = Buffer.from('\u0000\u0000card 4111111111111111\u0000');
    const hits = detectBytes(row.subarray(2, row.length - 1));
    assert.deepEqual(
      hits.map((h) => [h.start, h.end]),
      [[5, 21]],
    );
  });
});
