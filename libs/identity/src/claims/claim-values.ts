import { TokenRejectedError } from '../errors.js';

/** A claim that must be a non-empty string; missing → missing_claim, wrong type → invalid_claim. */
export function requireString(value: unknown, name: string): string {
  if (value === undefined) throw new TokenRejectedError('missing_claim', `claim "${name}" is missing`);
  if (typeof value !== 'string' || value.length === 0) {
    throw new TokenRejectedError('invalid_claim', `claim "${name}" is not a non-empty string`);
  }
  return value;
}

export function optionalString(value: unknown, name: string): string | undefined {
  return value === undefined ? undefined : requireString(value, name);
}

/**
 * Groups and roles: absent means none; a single string is one entry; an
 * array must hold only strings. Anything else is refused rather than
 * guessed at, because policies decide on these lists.
 */
export function stringList(value: unknown, name: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((entry) => typeof entry === 'string')) return [...value];
  throw new TokenRejectedError('invalid_claim', `claim "${name}" is not a string or an array of strings`);
}
