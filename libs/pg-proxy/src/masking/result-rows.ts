import { isProtocolViolation } from '../protocol/protocol-violation.js';
import { decodeDataRow } from '../protocol/row-decoder.js';

/** The most rows a target may record per statement, whatever its configuration says. */
export const MAX_RECORDED_ROWS = 1_000;
/** Longer values are cut: a recording is for replay, not a copy of the data. */
const MAX_VALUE_CHARS = 1_024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Where a command keeps its first rows for CommandCompleted (target option `recordResultRows`). */
export interface RowRecording {
  readonly limit: number;
  readonly rows: (string | null)[][];
}

/**
 * Keeps a DataRow the client is about to receive, i.e. after masking, while
 * the recording has room. Values that are not UTF-8 text (binary results)
 * are kept as `\x` hex, as PostgreSQL prints bytea.
 */
export function recordRow(recording: RowRecording | undefined, frame: Buffer): void {
  if (recording === undefined || recording.rows.length >= recording.limit) return;
  const values = decodeDataRow(frame);
  if (isProtocolViolation(values)) return;
  recording.rows.push(values.map((value) => (value === null ? null : asText(value))));
}

function asText(value: Buffer): string {
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    text = `\\x${value.toString('hex')}`;
  }
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text;
}
