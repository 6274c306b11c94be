import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { highlightSql, sqlTokens } from './sql-highlight.js';

describe('sqlTokens', () => {
  it('classifies keywords, strings, numbers, parameters, quoted names and comments', () => {
    const tokens = sqlTokens(`DELETE FROM "Users" WHERE id = $1 AND name = 'o''brien' OR n > 4.5 -- why`);
    assert.deepEqual(
      tokens.filter((t) => t.kind !== 'text'),
      [
        { kind: 'keyword', text: 'DELETE' },
        { kind: 'keyword', text: 'FROM' },
        { kind: 'identifier', text: '"Users"' },
        { kind: 'keyword', text: 'WHERE' },
        { kind: 'parameter', text: '$1' },
        { kind: 'keyword', text: 'AND' },
        { kind: 'string', text: `'o''brien'` },
        { kind: 'keyword', text: 'OR' },
        { kind: 'number', text: '4.5' },
        { kind: 'comment', text: '-- why' },
      ],
    );
  });

  it('keeps every character, in order, whatever the input', () => {
    for (const sql of [`select 'unterminated`, `/* open`, `$tag$ body $tag$ x`, `"a""b" é ; ;`, '']) {
      assert.equal(
        sqlTokens(sql)
          .map((t) => t.text)
          .join(''),
        sql,
      );
    }
  });

  it('escapes what it highlights', () => {
    assert.equal(
      highlightSql(`select '<b>'`).text,
      `<code class="sql"><span class="sql-keyword">select</span> <span class="sql-string">&#39;&lt;b&gt;&#39;</span></code>`,
    );
  });
});
