import { type HitEncoding } from '../detectors/detector.js';

/**
 * Candidate runs of encoded text worth decoding. SQL can turn a masked value
 * into something the plain detectors miss — `encode(col::bytea, 'hex')`,
 * bytea output `\x3431…`, `encode(…, 'base64')`, `to_base64` — and these runs
 * are the cheap ones to undo. Thresholds: 16 hex characters (8 bytes) and 12
 * base64 characters (9 bytes), below which nothing we detect fits anyway.
 */
export interface EncodedRun {
  readonly start: number;
  readonly end: number;
  readonly encoding: HitEncoding;
}

export const MIN_HEX_RUN = 16;
export const MIN_BASE64_RUN = 12;

export function findEncodedRuns(text: string): EncodedRun[] {
  const runs: EncodedRun[] = [];
  collectHexRuns(text, runs);
  collectBase64Runs(text, runs);
  return runs;
}

function collectHexRuns(text: string, runs: EncodedRun[]): void {
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && isHex(text.charCodeAt(i))) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0 && i - start >= MIN_HEX_RUN && (i - start) % 2 === 0) {
      runs.push({ start, end: i, encoding: 'hex' });
    }
    start = -1;
  }
}

/**
 * Base64 of ASCII text always contains letters (each 3-byte group starts with
 * a sextet below 32), so letter-free runs — long numbers — are skipped. So are
 * runs of only hex digits and dashes (UUIDs, digests): the hex scan owns them,
 * and they are the most common long runs in a database.
 */
function collectBase64Runs(text: string, runs: EncodedRun[]): void {
  let start = -1;
  let letters = 0;
  let beyondHex = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : -1;
    if (isBase64(c)) {
      if (start < 0) start = i;
      if (isLetter(c)) letters++;
      if (!isHex(c) && c !== 0x2d) beyondHex = true;
      continue;
    }
    if (start >= 0) {
      let end = i;
      while (end < text.length && end - i < 2 && text.charCodeAt(end) === 0x3d) end++; // = padding
      const length = i - start;
      if (length >= MIN_BASE64_RUN && length % 4 !== 1 && letters > 0 && beyondHex) {
        runs.push({ start, end, encoding: 'base64' });
      }
    }
    start = -1;
    letters = 0;
    beyondHex = false;
  }
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isBase64(c: number): boolean {
  return isLetter(c) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f || c === 0x5f || c === 0x2d;
}
