import { isUtf8 } from 'node:buffer';
import { type EncodedRun } from './encoded-runs.js';

/**
 * Decodes a run and returns it as text only if it is text: printable ASCII,
 * tab and newlines, or valid UTF-8. Random binary (UUIDs without dashes,
 * digests, compressed blobs) fails within the first few bytes, so hashes and
 * ids in a column cost a decode, never a rescan.
 */
export function decodeRun(text: string, run: EncodedRun): string | undefined {
  const bytes = Buffer.from(text.slice(run.start, run.end), run.encoding === 'hex' ? 'hex' : 'base64');
  return looksLikeText(bytes) ? bytes.toString('utf8') : undefined;
}

function looksLikeText(bytes: Buffer): boolean {
  let nonAscii = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b >= 0x80) nonAscii = true;
    else if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
    else if (b === 0x7f) return false;
  }
  return !nonAscii || isUtf8(bytes);
}
