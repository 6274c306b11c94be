import { escapeHtml, Html } from './html.js';

/**
 * Token classes for showing a statement to an approver: keywords, strings,
 * numbers, comments, quoted identifiers, parameters. Display only: nothing
 * is decided on it (statements are classified by libs/sql on the real
 * PostgreSQL parser). A small scanner on the server instead of a vendored
 * highlighter: the page stays script-free for this, and every piece of text
 * still goes through `html`'s escaping.
 */
export type SqlTokenKind = 'keyword' | 'string' | 'number' | 'comment' | 'identifier' | 'parameter' | 'text';

export interface SqlToken {
  readonly kind: SqlTokenKind;
  readonly text: string;
}

const KEYWORDS = new Set(
  `select from where and or not insert into values update set delete drop table create alter index view
  grant revoke truncate join left right inner outer full cross on using group by order having limit offset
  as distinct union all except intersect case when then else end is null true false in exists between like
  ilike returning with begin commit rollback savepoint release transaction primary key foreign references
  default constraint unique check cascade restrict if schema database role user function procedure trigger
  language returns execute copy to show explain analyze vacuum lock nulls first last asc desc int integer
  text varchar boolean bigint serial timestamp timestamptz date jsonb json uuid numeric add column rename
  owner do nothing conflict`.split(/\s+/),
);

// Order matters: comments and strings before words and numbers.
const TOKEN =
  /(--[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|((?:[eE])?'(?:[^']|'')*'?|\$([A-Za-z_]\w*)?\$[\s\S]*?(?:\$\3\$|$))|("(?:[^"]|"")*"?)|(\$\d+)|(\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b)|([A-Za-z_][\w$]*)/g;

export function sqlTokens(sql: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let last = 0;
  const push = (kind: SqlTokenKind, text: string) => {
    const previous = tokens.at(-1);
    if (kind === 'text' && previous?.kind === 'text')
      tokens[tokens.length - 1] = { kind, text: previous.text + text };
    else if (text) tokens.push({ kind, text });
  };
  for (const match of sql.matchAll(TOKEN)) {
    push('text', sql.slice(last, match.index));
    const [text, comment, string, , quoted, parameter, number, word] = match;
    if (comment) push('comment', text);
    else if (string) push('string', text);
    else if (quoted) push('identifier', text);
    else if (parameter) push('parameter', text);
    else if (number) push('number', text);
    else if (word) push(KEYWORDS.has(word.toLowerCase()) ? 'keyword' : 'text', text);
    last = match.index + text.length;
  }
  push('text', sql.slice(last));
  return tokens;
}

/** The statement as `<code>` with one `<span class="sql-…">` per highlighted token. */
export function highlightSql(sql: string): Html {
  // Joined by hand, not laid out in a template: inside <pre> every character shows.
  const spans = sqlTokens(sql).map((t) =>
    t.kind === 'text' ? escapeHtml(t.text) : `<span class="sql-${t.kind}">${escapeHtml(t.text)}</span>`,
  );
  return new Html(`<code class="sql">${spans.join('')}</code>`);
}
