import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { csvCell, neutralizeFormula } from './csv-export.js';
import { decodeCursor, encodeCursor } from './queries/paging.js';

describe('CSV cells', () => {
  it('prefixes what a spreadsheet would run as a formula (OWASP CSV injection)', () => {
    for (const text of ['=1+1', '+SUM(A1)', '-2+3', '@cmd', '\tx', '\rx', '=HYPERLINK("http://e/")']) {
      assert.equal(neutralizeFormula(text), `'${text}`);
    }
    for (const text of ['SELECT 1', '', "'quoted", 'a=b', ' =1']) assert.equal(neutralizeFormula(text), text);
  });

  it('writes values as cells: text neutralised, lists as JSON, null empty', () => {
    assert.equal(csvCell(null), '');
    assert.equal(csvCell(undefined), '');
    assert.equal(csvCell(12.5), '12.5');
    assert.equal(csvCell(false), 'false');
    assert.equal(csvCell(['a', 'b']), '["a","b"]');
    assert.equal(csvCell('=x'), "'=x");
  });

  it('round-trips quotes, separators and newlines through csv-stringify and csv-parse', () => {
    const cells = ['say "hi", twice', 'line1\nline2', csvCell('=cmd|calc')];
    const text = stringify([cells], { quoted_string: true });
    assert.deepEqual(parse(text), [['say "hi", twice', 'line1\nline2', "'=cmd|calc"]]);
  });
});

describe('cursors', () => {
  it('decode what they encode and refuse anything else', () => {
    assert.deepEqual(decodeCursor(encodeCursor(['123', '45', 2])), ['123', '45', 2]);
    for (const bad of [
      '',
      'x',
      Buffer.from('["1","2"]').toString('base64url'),
      Buffer.from('[1,2,3]').toString('base64url'),
    ]) {
      assert.throws(() => decodeCursor(bad), /invalid cursor/);
    }
  });
});
