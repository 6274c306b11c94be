import { leftBoundary, rightBoundary } from './boundary.js';
import { type Detector } from './detector.js';
import { IBAN_LENGTHS } from './iban-lengths.js';

/**
 * International bank account numbers, electronic (`DE89370400440532013000`)
 * or printed in groups of four (`DE89 3704 0044 0532 0130 00`). Accepted
 * only with a registered country, that country's exact length, check digits
 * 02–98 and the ISO 7064 mod-97 remainder of 1. Upper case only: the
 * standard form, and lower case would match far more ordinary words.
 */
const CANDIDATE = /[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?/g;

export const ibanDetector: Detector = {
  kind: 'iban',
  plausible: (profile) => profile.length >= 15 && profile.upper >= 2 && profile.digits >= 2,
  find(text, hits) {
    CANDIDATE.lastIndex = 0;
    for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
      const start = m.index;
      const length = IBAN_LENGTHS[m[0].slice(0, 2)];
      if (length === undefined || !leftBoundary(text, start)) continue;
      const end = endAfterCharacters(text, start, length);
      if (end === undefined || end > start + m[0].length || !rightBoundary(text, end)) continue;
      const iban = text.slice(start, end).replaceAll(' ', '');
      if (hasValidChecksum(iban)) hits.push({ kind: 'iban', start, end });
    }
  },
};

/** Where the `count`-th non-space character ends, i.e. the span of a spaced IBAN. */
function endAfterCharacters(text: string, start: number, count: number): number | undefined {
  let seen = 0;
  for (let i = start; i < text.length; i++) {
    if (text.charCodeAt(i) !== 0x20) seen++;
    if (seen === count) return i + 1;
  }
  return undefined;
}

/** ISO 13616: move the first four characters to the end, letters to 10–35, remainder mod 97 must be 1. */
export function hasValidChecksum(iban: string): boolean {
  const check = Number(iban.slice(2, 4));
  if (check < 2 || check > 98) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    const value = c <= 0x39 ? c - 0x30 : c - 0x41 + 10;
    remainder = value < 10 ? (remainder * 10 + value) % 97 : (remainder * 100 + value) % 97;
  }
  return remainder === 1;
}
