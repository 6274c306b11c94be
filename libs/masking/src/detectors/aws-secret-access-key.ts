import { containsAwsAccessKeyId } from './aws-access-key-id.js';
import { keywordBefore } from './boundary.js';
import { type Detector } from './detector.js';

/**
 * AWS secret access keys: exactly 40 characters of standard base64. The
 * shape alone is common (base64 of 30 bytes, long identifiers), so a run
 * must also look random — upper and lower case and a digit, at least 20
 * distinct characters, not all hex (SHA-1 digests are 40 hex characters) —
 * and have context: it is the whole value (a credentials column), or an
 * "aws"/"secret" keyword or an access key id appears in the same value.
 */
const CANDIDATE = /[A-Za-z0-9+/]{40}/g;
const KEYWORDS = ['aws', 'secret'];
const KEYWORD_WINDOW = 64;
const MIN_DISTINCT = 20;

export const awsSecretAccessKeyDetector: Detector = {
  kind: 'aws_secret_access_key',
  plausible: (profile) => profile.base64Run >= 40,
  find(text, hits) {
    CANDIDATE.lastIndex = 0;
    let keyIdNearby: boolean | undefined;
    for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
      const start = m.index;
      const end = start + 40;
      const after = text.charCodeAt(end);
      // `=` after the run is padding of longer base64; before it, an assignment.
      if (isRunChar(text.charCodeAt(start - 1)) || isRunChar(after) || after === 0x3d || !looksRandom(m[0])) {
        continue;
      }
      const wholeValue = text.trim().length === 40;
      if (
        wholeValue ||
        keywordBefore(text, start, KEYWORDS, KEYWORD_WINDOW) ||
        (keyIdNearby ??= containsAwsAccessKeyId(text))
      ) {
        hits.push({ kind: 'aws_secret_access_key', start, end });
      }
    }
  },
};

/** Characters that would make the 40 a slice of a longer base64 or base64url token. */
function isRunChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x2b ||
    c === 0x2f ||
    c === 0x5f ||
    c === 0x2d
  );
}

function looksRandom(run: string): boolean {
  if (!/[A-Z]/.test(run) || !/[a-z]/.test(run) || !/\d/.test(run) || /^[0-9a-fA-F]+$/.test(run)) return false;
  return new Set(run).size >= MIN_DISTINCT;
}
