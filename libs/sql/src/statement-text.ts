import { type RawStmt } from 'libpg-query';

/**
 * Cuts multi-statement text into one text per statement, using where the
 * parser says each statement starts and how long it is. Those positions are
 * UTF-8 byte offsets (the parser works on bytes), so non-ASCII text is cut
 * on its bytes; pure ASCII text, the common case, is cut as a string.
 */
export function statementTexts(text: string, stmts: readonly RawStmt[]): string[] {
  const ascii = Buffer.byteLength(text, 'utf8') === text.length;
  const bytes = ascii ? undefined : Buffer.from(text, 'utf8');
  const total = ascii ? text.length : bytes!.length;
  return stmts.map((stmt) => {
    const start = stmt.stmt_location ?? 0;
    // A zero (omitted) length means "to the end of the text".
    const end = stmt.stmt_len ? start + stmt.stmt_len : total;
    const piece = bytes ? bytes.subarray(start, end).toString('utf8') : text.slice(start, end);
    return piece.trim();
  });
}
