/**
 * `partial`: keep a little shape and never more than about a quarter of the
 * characters.
 *
 * - digit strings (cards, account numbers: only digits, spaces and dashes, at
 *   least 12 digits) keep their separators and the last ⌊digits/4⌋ digits,
 *   at most 4: `**** **** **** 1111`;
 * - emails keep the domain (the grouping value analysts ask for; a documented
 *   exception to the quarter rule) and the first character of a local part
 *   of 4 or more characters when it is an ASCII letter or digit:
 *   `j***@example.com`;
 * - anything else, and anything shorter than the minimum length: `***`.
 *
 * The number of stars in the local part is fixed so its length leaks nothing.
 * The shape is decided once over code units (`planPartial`) and then written
 * out as a string or, for ASCII column values, straight into bytes.
 */
export const OPAQUE = '***';
const DIGIT_SHAPE_MIN_DIGITS = 12;
const MAX_REVEALED_DIGITS = 4;
const MIN_LOCAL_FOR_INITIAL = 4;
const STAR = 0x2a;

export type PartialPlan =
  | { readonly shape: 'opaque' }
  | { readonly shape: 'digits'; readonly revealFrom: number }
  | { readonly shape: 'email'; readonly at: number; readonly initial: boolean };

const OPAQUE_PLAN: PartialPlan = { shape: 'opaque' };

export function planPartial(length: number, codeAt: (i: number) => number, minLength: number): PartialPlan {
  if (length < minLength) return OPAQUE_PLAN;
  return planDigits(length, codeAt) ?? planEmail(length, codeAt) ?? OPAQUE_PLAN;
}

export function partialMask(value: string, minLength: number): string {
  const plan = planPartial(value.length, (i) => value.charCodeAt(i), minLength);
  switch (plan.shape) {
    case 'opaque':
      return OPAQUE;
    case 'digits':
      return value.slice(0, plan.revealFrom).replace(/\d/g, '*') + value.slice(plan.revealFrom);
    case 'email':
      return `${plan.initial ? value[0] : ''}${OPAQUE}${value.slice(plan.at)}`;
  }
}

/** The byte rendering; only for ASCII values, where code units and bytes coincide. */
export function partialMaskAscii(value: Buffer, minLength: number): Buffer | typeof OPAQUE {
  const plan = planPartial(value.length, (i) => value[i]!, minLength);
  switch (plan.shape) {
    case 'opaque':
      return OPAQUE;
    case 'digits': {
      const out = Buffer.allocUnsafe(value.length);
      for (let i = 0; i < value.length; i++) {
        const c = value[i]!;
        out[i] = i < plan.revealFrom && isDigit(c) ? STAR : c;
      }
      return out;
    }
    case 'email': {
      const head = plan.initial ? 1 : 0;
      const out = Buffer.allocUnsafe(head + OPAQUE.length + value.length - plan.at);
      if (plan.initial) out[0] = value[0]!;
      // Plain loops: a domain is a few dozen bytes, where fill and copy cost more in their checks than in the bytes.
      for (let i = head; i < head + OPAQUE.length; i++) out[i] = STAR;
      for (let from = plan.at, to = head + OPAQUE.length; from < value.length; from++, to++)
        out[to] = value[from]!;
      return out;
    }
  }
}

function planDigits(length: number, codeAt: (i: number) => number): PartialPlan | undefined {
  if (!isDigit(codeAt(0)) || !isDigit(codeAt(length - 1))) return undefined;
  let digits = 0;
  for (let i = 0; i < length; i++) {
    const c = codeAt(i);
    if (isDigit(c)) digits++;
    else if (c !== 0x20 && c !== 0x2d) return undefined;
  }
  if (digits < DIGIT_SHAPE_MIN_DIGITS) return undefined;
  let keep = Math.min(MAX_REVEALED_DIGITS, Math.floor(digits / 4));
  let revealFrom = length;
  while (keep > 0) {
    revealFrom--;
    if (isDigit(codeAt(revealFrom))) keep--;
  }
  return { shape: 'digits', revealFrom };
}

function planEmail(length: number, codeAt: (i: number) => number): PartialPlan | undefined {
  let at = -1;
  let dotAfterAt = false;
  for (let i = 0; i < length; i++) {
    const c = codeAt(i);
    if (c === 0x40) {
      if (at >= 0) return undefined; // a second @
      at = i;
    } else if (c === 0x2e && at >= 0 && i > at + 1 && i < length - 1) {
      dotAfterAt = true;
    } else if (isWhitespace(c)) {
      return undefined;
    }
  }
  if (at < 1 || !dotAfterAt) return undefined;
  return { shape: 'email', at, initial: at >= MIN_LOCAL_FOR_INITIAL && isAsciiAlnum(codeAt(0)) };
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isAsciiAlnum(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isWhitespace(c: number): boolean {
  if (c < 0x80) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return /\s/.test(String.fromCharCode(c));
}
