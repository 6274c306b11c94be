import { type Detector } from './detector.js';

/**
 * JSON Web Tokens (JWS compact form): three base64url parts joined by dots,
 * the first decoding to a JSON object with a string `alg`. `eyJ` is how
 * base64url of `{"` begins, so it is the cheap pre-check before any regex.
 * The signature may be empty (`alg: none`), which is still a bearer token.
 */
const CANDIDATE = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;

export const jwtDetector: Detector = {
  kind: 'jwt',
  plausible: (profile) => profile.dots >= 2 && profile.base64Run >= 7,
  find(text, hits) {
    if (!text.includes('eyJ')) return;
    CANDIDATE.lastIndex = 0;
    for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
      const start = m.index;
      if (isBase64UrlChar(text.charCodeAt(start - 1))) continue;
      if (hasJoseHeader(m[0].slice(0, m[0].indexOf('.')))) {
        hits.push({ kind: 'jwt', start, end: start + m[0].length });
      }
    }
  },
};

function hasJoseHeader(encoded: string): boolean {
  try {
    const header: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    return (
      typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string'
    );
  } catch {
    return false;
  }
}

function isBase64UrlChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x5f ||
    c === 0x2d
  );
}
