import { type Detector } from './detector.js';

/**
 * Email addresses in the form people and systems actually store: an ASCII
 * dot-atom local part and a DNS domain with an alphabetic TLD. Quoted local
 * parts, IP-literal domains and internationalised addresses are not matched.
 * Quantifiers are bounded so a long run of local-part characters cannot make
 * the regex quadratic on the hot path.
 */
const CANDIDATE = /[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;

export const emailDetector: Detector = {
  kind: 'email',
  plausible: (profile) => profile.at && profile.dots >= 1 && profile.length >= 6,
  find(text, hits) {
    CANDIDATE.lastIndex = 0;
    for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
      let start = m.index;
      const end = start + m[0].length;
      // A leading dot is punctuation around the address, not part of it.
      while (text.charCodeAt(start) === 0x2e) start++;
      if (start > 0 && isLocalChar(text.charCodeAt(start - 1))) continue;
      const at = text.indexOf('@', start);
      const local = text.slice(start, at);
      const domain = text.slice(at + 1, end);
      if (isDotAtom(local) && isHostName(domain)) hits.push({ kind: 'email', start, end });
    }
  },
};

function isLocalChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x2e ||
    c === 0x5f ||
    c === 0x25 ||
    c === 0x2b ||
    c === 0x2d
  );
}

function isDotAtom(local: string): boolean {
  return local.length > 0 && !local.endsWith('.') && !local.includes('..');
}

function isHostName(domain: string): boolean {
  return domain.length <= 253 && domain.split('.').every((l) => !l.startsWith('-') && !l.endsWith('-'));
}
