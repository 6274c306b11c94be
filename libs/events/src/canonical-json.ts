import canonicalizeModule from 'canonicalize';
import { ValidationError } from './errors.js';

// `canonicalize` is CommonJS (`module.exports = serialize`) but its typings
// declare an ES default export, which NodeNext reads as `exports.default`.
// At run time the default import is the function itself.
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

/**
 * RFC 8785 JSON Canonicalization Scheme: sorted keys, no whitespace, ECMAScript
 * number formatting. Hashes are taken over this form so that a store that
 * reorders keys (PostgreSQL jsonb does) still reproduces the same bytes.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new ValidationError('value has no JSON representation');
  return text;
}
