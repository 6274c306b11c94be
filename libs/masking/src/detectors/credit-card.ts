import { standsAlone } from './boundary.js';
import { hasKnownIssuer } from './card-issuers.js';
import { type Detector } from './detector.js';
import { passesLuhn } from './luhn.js';

/**
 * Payment card numbers: 13–19 digits, either unbroken or in groups (first
 * group of 4, then groups of 3–6) joined by one kind of separator, a space
 * or a dash. A candidate must start with a known IIN, have a length that
 * network issues, and pass Luhn. Longer digit runs are not searched inside:
 * a 25-digit reference number is not a card that happens to contain one.
 */
const CANDIDATE = /\d{4}(?:([ -])\d{3,6}(?:\1\d{3,6}){1,4}|\d{9,15})/g;

export const creditCardDetector: Detector = {
  kind: 'credit_card',
  plausible: (profile) => profile.joinedDigits >= 13,
  find(text, hits) {
    CANDIDATE.lastIndex = 0;
    for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
      const start = m.index;
      const end = start + m[0].length;
      if (!standsAlone(text, start, end)) continue;
      const separator = m[1];
      if (separator === undefined) {
        if (isCardNumber(m[0])) hits.push({ kind: 'credit_card', start, end });
        continue;
      }
      const window = groupedCard(m[0], separator);
      if (window) hits.push({ kind: 'credit_card', start: start + window.start, end: start + window.end });
    }
  },
};

function isCardNumber(digits: string): boolean {
  return digits.length >= 13 && digits.length <= 19 && hasKnownIssuer(digits) && passesLuhn(digits);
}

/**
 * A grouped run may carry more groups than the card (`4111 1111 1111 1111
 * 2025`): try consecutive groups, longest first, each starting on a group of 4.
 */
function groupedCard(run: string, separator: string): { start: number; end: number } | undefined {
  const groups = run.split(separator);
  const offsets: number[] = [];
  let offset = 0;
  for (const group of groups) {
    offsets.push(offset);
    offset += group.length + 1;
  }
  for (let first = 0; first < groups.length; first++) {
    if (groups[first]!.length !== 4) continue;
    for (let last = groups.length - 1; last > first; last--) {
      const digits = groups.slice(first, last + 1).join('');
      if (isCardNumber(digits)) {
        return { start: offsets[first]!, end: offsets[last]! + groups[last]!.length };
      }
    }
  }
  return undefined;
}
