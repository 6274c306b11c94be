import { fingerprintSync, normalizeSync } from 'libpg-query';
import { SqlParserNotReadyError } from './errors.js';
import { isSqlParserReady } from './parser.js';

/**
 * pg_query's fingerprint: the same for statements that differ only in
 * constants, whitespace, comments and case, so audit views can group
 * "the same query". Null when the parser rejects the text.
 */
export function fingerprint(text: string): string | null {
  if (!isSqlParserReady()) throw new SqlParserNotReadyError();
  try {
    return fingerprintSync(text);
  } catch {
    return null;
  }
}

/** The text with constants replaced by $1, $2, ...: safe to show where values are not. */
export function normalize(text: string): string | null {
  if (!isSqlParserReady()) throw new SqlParserNotReadyError();
  try {
    return normalizeSync(text);
  } catch {
    return null;
  }
}
