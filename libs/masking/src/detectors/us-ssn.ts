import { keywordBefore, standsAlone } from './boundary.js';
import { type Detector } from './detector.js';

/**
 * US Social Security numbers. `AAA-GG-SSSS` (or with spaces) is taken on its
 * own; nine bare digits only when a keyword such as "SSN" comes shortly
 * before, because on their own they are indistinguishable from order numbers,
 * ZIP+4 codes and ids. Numbers the SSA never issues are rejected: area 000,
 * 666 or 900–999 (ITINs and advertising), group 00, serial 0000.
 */
const GROUPED = /\d{3}([- ])\d{2}\1\d{4}/g;
const BARE = /\d{9}/g;
const KEYWORDS = ['ssn', 'social security', 'soc sec', 'ss#', 'ss no'];
const KEYWORD_WINDOW = 24;
/** Every keyword contains one of these; checked once before looking at bare digits. */
const MAY_NAME_SSN = /ss|soc/i;

export const usSsnDetector: Detector = {
  kind: 'us_ssn',
  plausible: (profile) => profile.joinedDigits >= 9,
  find(text, hits) {
    GROUPED.lastIndex = 0;
    for (let m = GROUPED.exec(text); m !== null; m = GROUPED.exec(text)) {
      const start = m.index;
      const end = start + m[0].length;
      if (standsAlone(text, start, end) && isIssuable(m[0].replace(/\D/g, ''))) {
        hits.push({ kind: 'us_ssn', start, end });
      }
    }
    if (!MAY_NAME_SSN.test(text)) return;
    BARE.lastIndex = 0;
    for (let m = BARE.exec(text); m !== null; m = BARE.exec(text)) {
      const start = m.index;
      const end = start + 9;
      if (
        standsAlone(text, start, end) &&
        isIssuable(m[0]) &&
        keywordBefore(text, start, KEYWORDS, KEYWORD_WINDOW)
      ) {
        hits.push({ kind: 'us_ssn', start, end });
      }
    }
  },
};

/** Validates nine digits as area, group and serial. */
export function isIssuable(nineDigits: string): boolean {
  const area = Number(nineDigits.slice(0, 3));
  const group = Number(nineDigits.slice(3, 5));
  const serial = Number(nineDigits.slice(5));
  return area !== 0 && area !== 666 && area < 900 && group !== 0 && serial !== 0;
}
