/**
 * What the upstream gets in place of a refused statement when the refusal
 * must be visible to the server too: inside a transaction block (PostgreSQL
 * would abort it), or in the middle of an extended-protocol pipeline (it
 * would skip to Sync and roll back the implicit transaction), or while
 * earlier messages are still being answered (our error must come in order).
 *
 * `SELECT pg_catalog.pg_sleep('portcullis denied')` fails during parse
 * analysis, when the untyped literal is coerced to float8 (SQLSTATE 22P02),
 * so it fails at Parse as well as in a simple Query, before planning and
 * execution: it cannot sleep, read, write or lock anything, and it is
 * schema-qualified so no user object can stand in for it. The proxy swaps
 * the server's error for its own 42501 denial before the client sees it.
 */
import { BufferWriter } from '../protocol/buffer-writer.js';
import { frontend } from '../protocol/index.js';
import { FrontendCode } from '../protocol/message-codes.js';

export const POISON_SQL = "SELECT pg_catalog.pg_sleep('portcullis denied')";
/** A statement name no client Parse can have reached the server under (it would be ours). */
export const POISON_STATEMENT = 'portcullis_denied';

const writer = new BufferWriter();

export const poisonQuery = (): Buffer => frontend.query(POISON_SQL);

/** Parse of the poison into a named statement: a failing named Parse leaves the unnamed one alone. */
export function poisonParse(): Buffer {
  return writer.cstring(POISON_STATEMENT).cstring(POISON_SQL).int16(0).frame(FrontendCode.Parse);
}
