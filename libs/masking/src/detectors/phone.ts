import { standsAlone } from './boundary.js';
import { type Detector, type DetectorHit } from './detector.js';

/**
 * Telephone numbers, conservatively: bare digit runs are never phones (they
 * are ids, amounts, timestamps). Two shapes are accepted:
 *
 * - E.164 / international: `+` then 8–15 digits, optionally grouped with
 *   single spaces, dots or dashes and an area code in parentheses
 *   (`+44 20 7946 0958`, `+1 (415) 555-2671`);
 * - NANP: `(415) 555-2671`, `415-555-2671`, `415.555.2671`, `415 555 2671`,
 *   optionally after `1-`; area code and exchange must start with 2–9 and
 *   must not be N11 service codes.
 */
const INTERNATIONAL = /\+[1-9](?:[ .-]?(?:\(\d{1,4}\)|\d)){7,17}/g;
const NANP = /(?:1[ .-])?(?:\((\d{3})\) ?(\d{3})[ .-]|(\d{3})([ .-])(\d{3})\4)\d{4}/g;

export const phoneDetector: Detector = {
  kind: 'phone',
  plausible: (profile) => profile.joinedDigits >= 10 || (profile.plus && profile.joinedDigits >= 8),
  find(text, hits) {
    const international: DetectorHit[] = [];
    if (text.includes('+')) findInternational(text, international);
    hits.push(...international);
    NANP.lastIndex = 0;
    for (let m = NANP.exec(text); m !== null; m = NANP.exec(text)) {
      const start = m.index;
      const end = start + m[0].length;
      const area = m[1] ?? m[3]!;
      const exchange = m[2] ?? m[5]!;
      // `+1 (415) 555-2671` is already an international hit; its tail is not a second phone.
      const inside = international.some((h) => h.start < end && start < h.end);
      if (!inside && standsAlone(text, start, end) && isNanpCode(area) && isNanpCode(exchange)) {
        hits.push({ kind: 'phone', start, end });
      }
    }
  },
};

function findInternational(text: string, hits: DetectorHit[]): void {
  INTERNATIONAL.lastIndex = 0;
  for (let m = INTERNATIONAL.exec(text); m !== null; m = INTERNATIONAL.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    const digits = m[0].replace(/\D/g, '').length;
    if (digits >= 8 && digits <= 15 && standsAlone(text, start, end))
      hits.push({ kind: 'phone', start, end });
  }
}

/** NANP area codes and exchanges: NXX with N in 2–9, excluding N11 service codes. */
function isNanpCode(code: string): boolean {
  return code[0]! >= '2' && !(code[1] === '1' && code[2] === '1');
}
