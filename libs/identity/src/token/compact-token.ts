import { TokenRejectedError } from '../errors.js';
import { findDuplicateKey } from './duplicate-keys.js';
import { quote } from './excerpt.js';

/** A compact JWS split and decoded, not yet trusted in any way. */
export interface UnverifiedToken {
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Readonly<Record<string, unknown>>;
  /** False for an empty signature part (an unsecured JWT). */
  readonly signed: boolean;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Takes a token apart before any key is touched, refusing what we never
 * want to hand to the crypto: oversized input (checked first, so a 100 KB
 * token costs a length comparison), JWE, anything but three base64url
 * parts, and JSON with duplicate member names.
 */
export function readCompactToken(token: unknown, maxBytes: number): UnverifiedToken {
  if (typeof token !== 'string' || token.length === 0) {
    throw new TokenRejectedError('malformed', 'token is not a non-empty string');
  }
  if (token.length > maxBytes) {
    throw new TokenRejectedError('too_large', `token is ${token.length} bytes, the limit is ${maxBytes}`);
  }
  const parts = token.split('.');
  if (parts.length === 5) {
    throw new TokenRejectedError(
      'encrypted_token',
      'a JWE (five parts) was presented; only signed JWTs are accepted',
    );
  }
  // An empty signature is left for the header check: that is `alg: none`,
  // which deserves its own reason rather than "malformed".
  const [header64, claims64, signature64] = parts;
  if (parts.length !== 3 || !header64 || !claims64 || !parts.every((part) => BASE64URL.test(part))) {
    throw new TokenRejectedError('malformed', 'not a compact JWS: expected three base64url parts');
  }
  const header = decodeJsonObject(header64, 'header');
  if ('enc' in header) {
    throw new TokenRejectedError('encrypted_token', 'header carries "enc": this is a JWE header');
  }
  return { header, claims: decodeJsonObject(claims64, 'claims'), signed: signature64 !== '' };
}

function decodeJsonObject(part: string, what: 'header' | 'claims'): Record<string, unknown> {
  let text: string;
  let value: unknown;
  try {
    text = strictUtf8.decode(Buffer.from(part, 'base64url'));
    value = JSON.parse(text);
  } catch {
    throw new TokenRejectedError('malformed', `${what} is not base64url-encoded UTF-8 JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenRejectedError('malformed', `${what} is not a JSON object`);
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) {
    throw what === 'claims'
      ? new TokenRejectedError('duplicate_claim', `claim ${quote(duplicate)} appears more than once`)
      : new TokenRejectedError('malformed', `header parameter ${quote(duplicate)} appears more than once`);
  }
  return value as Record<string, unknown>;
}
