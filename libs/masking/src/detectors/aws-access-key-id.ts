import { type Detector } from './detector.js';

/**
 * AWS access key ids: `AKIA` (long-term) or `ASIA` (temporary, STS) and 16
 * base32 characters. Other `A…A` prefixes (roles, groups) name principals,
 * not credentials, and are left alone.
 */
const KEY_ID = /(?:AKIA|ASIA)[A-Z2-7]{16}/g;

export const awsAccessKeyIdDetector: Detector = {
  kind: 'aws_access_key_id',
  plausible: (profile) => profile.upper >= 4 && profile.base64Run >= 20,
  find(text, hits) {
    if (!text.includes('AKIA') && !text.includes('ASIA')) return;
    KEY_ID.lastIndex = 0;
    for (let m = KEY_ID.exec(text); m !== null; m = KEY_ID.exec(text)) {
      const start = m.index;
      const end = start + 20;
      if (!isAlnum(text.charCodeAt(start - 1)) && !isAlnum(text.charCodeAt(end))) {
        hits.push({ kind: 'aws_access_key_id', start, end });
      }
    }
  },
};

export function containsAwsAccessKeyId(text: string): boolean {
  KEY_ID.lastIndex = 0;
  return KEY_ID.test(text);
}

/** NaN (out of range) counts as "not alphanumeric", which is what the edges need. */
function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
