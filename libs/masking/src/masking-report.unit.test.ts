import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MaskingReport } from './masking-report.js';
import { detect } from './scanner.js';

describe('MaskingReport', () => {
  it('counts values per column and method through tallies resolved once', () => {
    const report = new MaskingReport();
    const email = report.tally({ column: 'public.users.email', method: 'partial', rule: 'pii' });
    const card = report.tally({ column: 'public.users.card', method: 'redact' });
    for (let i = 0; i < 3; i++) email.add();
    card.add(2);
    assert.deepEqual(report.toMaskedColumns(), [
      { column: 'public.users.card', method: 'redact', count: 2 },
      { column: 'public.users.email', method: 'partial', rule: 'pii', count: 3 },
    ]);
  });

  it('hands out the same tally for the same target', () => {
    const report = new MaskingReport();
    report.tally({ column: 'c', method: 'hash' }).add();
    report.tally({ column: 'c', method: 'hash' }).add();
    assert.equal(report.toMaskedColumns()[0]?.count, 2);
  });

  it('counts a scanned value once per detector, whatever the number of spans', () => {
    const report = new MaskingReport();
    const value = 'cards 4111111111111111 and 5555555555554444, mail jane.doe@example.com';
    report.recordDetections('public.notes.body', detect(value), { credit_card: 'redact', email: 'partial' });
    report.recordDetections('public.notes.body', detect('nothing'), 'redact');
    assert.deepEqual(report.toMaskedColumns(), [
      { column: 'public.notes.body', method: 'redact', detector: 'credit_card', count: 1 },
      { column: 'public.notes.body', method: 'partial', detector: 'email', count: 1 },
    ]);
  });

  it('counts a value with many hits once per detector, and per column across values', () => {
    const report = new MaskingReport();
    const many = Array.from({ length: 20 }, (_, i) => `user${i}@example.com`).join(' ') + ' 4111111111111111';
    report.recordDetections('public.notes.body', detect(many), { email: 'partial' });
    report.recordDetections('public.notes.body', detect('bob@example.com'), { email: 'partial' });
    report.recordDetections('public.notes.title', detect('bob@example.com'), { email: 'partial' });
    assert.deepEqual(report.toMaskedColumns(), [
      { column: 'public.notes.body', method: 'redact', detector: 'credit_card', count: 1 },
      { column: 'public.notes.body', method: 'partial', detector: 'email', count: 2 },
      { column: 'public.notes.title', method: 'partial', detector: 'email', count: 1 },
    ]);
  });

  it('carries names and counts only, never a value', () => {
    const report = new MaskingReport();
    const value = 'ssn 123-45-6789';
    report.recordDetections('public.notes.body', detect(value), 'hash');
    const serialized = JSON.stringify(report.toMaskedColumns());
    assert.ok(!serialized.includes('6789'));
    for (const line of report.toMaskedColumns()) {
      assert.deepEqual(Object.keys(line).sort(), ['column', 'count', 'detector', 'method']);
    }
  });

  it('is empty until something is counted, and again after reset', () => {
    const report = new MaskingReport();
    const tally = report.tally({ column: 'c', method: 'null' });
    assert.equal(report.isEmpty, true);
    tally.add();
    assert.equal(report.isEmpty, false);
    report.reset();
    assert.equal(report.isEmpty, true);
    assert.deepEqual(report.toMaskedColumns(), []);
    tally.add();
    assert.equal(report.toMaskedColumns()[0]?.count, 1);
  });
});
