import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMasker, MaskingReport } from '@portcullis/masking';
import { isProtocolViolation } from '../protocol/protocol-violation.js';
import { copyFormatOf, CopyRowMasker } from './copy-row-masker.js';
import { RowMasker } from './row-masker.js';

/** Masks column 2 (of 3) with redact; the others pass. */
function masker(options: Record<string, string>, format: 'text' | 'csv' = 'text'): CopyRowMasker {
  const copyFormat = copyFormatOf({ source: 'SELECT 1', format, options });
  assert.ok(typeof copyFormat === 'object', String(copyFormat));
  const report = new MaskingReport();
  const rows = new RowMasker(
    [
      undefined,
      { kind: 'mask', method: 'redact', tally: report.tally({ column: 'c2', method: 'redact' }) },
      undefined,
    ],
    { masker: createMasker({}), scanner: undefined, detectorMethods: {}, report },
  );
  return new CopyRowMasker(copyFormat, 3, rows);
}

function run(copy: CopyRowMasker, chunks: string[]): string {
  let out = '';
  for (const chunk of chunks) {
    const masked = copy.mask(Buffer.from(chunk, 'utf8'));
    assert.ok(!isProtocolViolation(masked));
    if (masked) out += masked.toString('utf8');
  }
  assert.equal(copy.incomplete, false);
  return out;
}

test('text: the masked column is replaced, escapes of the others kept, NULL stays NULL', () => {
  assert.equal(
    run(masker({}), ['a\\tb\tsecret\\\\x\tz\\nq\n', '1\t\\N\t2\n']),
    'a\\tb\t****\tz\\nq\n1\t\\N\t2\n',
  );
});

test('text: a row split across CopyData messages (at every byte) is masked once whole', () => {
  const row = 'one\tsecret\ttwo\n';
  for (let cut = 1; cut < row.length; cut++) {
    assert.equal(run(masker({}), [row.slice(0, cut), row.slice(cut)]), 'one\t****\ttwo\n', `cut at ${cut}`);
  }
});

test('csv: quoted fields with delimiters, quotes and newlines; header passed; masked values quoted', () => {
  const out = run(masker({ header: 'true' }, 'csv'), [
    'a,b,c\n',
    '"x,1","se""cr\net",plain\n',
    ',,\n',
    '"",x,""\n',
  ]);
  assert.equal(out, 'a,b,c\n"x,1","****",plain\n,,\n"","****",""\n');
});

test('csv with another delimiter and escape', () => {
  const out = run(masker({ delimiter: ';', escape: '\\' }, 'csv'), ['1;"s\\"ecret;x";2\n']);
  assert.equal(out, '1;"****";2\n');
});

test('a row with the wrong number of columns is a violation; binary and unknown options are refused', () => {
  assert.ok(isProtocolViolation(masker({}).mask(Buffer.from('a\tb\n'))));
  assert.equal(
    copyFormatOf({ source: 's', format: 'binary', options: {} }),
    'COPY in binary format cannot be masked',
  );
  assert.match(
    String(copyFormatOf({ source: 's', format: 'text', options: { on_error: 'ignore' } })),
    /on_error/,
  );
  assert.match(
    String(copyFormatOf({ source: 's', format: 'csv', options: { encoding: 'LATIN1' } })),
    /encoding/,
  );
});
