import { loadModule, parseSync, type ParseResult, type RawStmt } from 'libpg-query';
import { SqlParserNotReadyError } from './errors.js';

/**
 * libpg-query is PostgreSQL's own parser compiled to WebAssembly. The module
 * instantiates asynchronously when imported; after that every call is
 * synchronous, which is what the proxy's hot path wants. So: await
 * `initSqlParser()` once at start-up, then classify synchronously.
 */
let ready = false;

export async function initSqlParser(): Promise<void> {
  if (ready) return;
  await loadModule();
  ready = true;
}

export function isSqlParserReady(): boolean {
  return ready;
}

export type ParseOutcome = { ok: true; stmts: RawStmt[] } | { ok: false; error: string };

export function parseStatements(text: string): ParseOutcome {
  if (!ready) throw new SqlParserNotReadyError();
  // libpg-query refuses '' outright; PostgreSQL answers an empty query with
  // EmptyQueryResponse, i.e. no statements.
  if (text.trim() === '') return { ok: true, stmts: [] };
  let result: ParseResult;
  try {
    result = parseSync(text);
  } catch (error) {
    return { ok: false, error: describeParseError(error, text) };
  }
  return { ok: true, stmts: result.stmts ?? [] };
}

/** The parser's message plus a 1-based character position, as psql prints it. */
function describeParseError(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const details = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
  const bytePosition = details?.cursorPosition;
  if (bytePosition === undefined || bytePosition < 0) return message;
  // The parser counts bytes of UTF-8; people count characters.
  const characters = Buffer.from(text, 'utf8').subarray(0, bytePosition).toString('utf8').length;
  return `${message} at position ${characters + 1}`;
}
