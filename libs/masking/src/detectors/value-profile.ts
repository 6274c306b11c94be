/**
 * One pass over a value's code units (or UTF-8 bytes: every class counted
 * here is ASCII, and UTF-8 never uses ASCII bytes inside a multi-byte
 * character) that tells each detector whether it can possibly match. Most
 * column values (names, amounts, timestamps, ids, short text) fail every gate
 * and are never decoded or regex-scanned.
 */
export interface ValueProfile {
  readonly length: number;
  readonly digits: number;
  /**
   * Most digits in one run of digits joined by at most three of ` -.()`:
   * `4111 1111 1111 1111` → 16, `(415) 555-2671` → 10, `2024-01-15 12:30` → 10.
   */
  readonly joinedDigits: number;
  readonly upper: number;
  readonly at: boolean;
  readonly plus: boolean;
  readonly dots: number;
  /** Longest run of [0-9A-Fa-f]. */
  readonly hexRun: number;
  /** Longest run of the base64 and base64url alphabets [A-Za-z0-9+/_-]. */
  readonly base64Run: number;
  readonly nonAscii: boolean;
}

const DIGIT = 1;
const UPPER = 2;
const HEX = 4;
const BASE64 = 8;
const JOINER = 16;
const MAX_JOINERS = 3;

const CLASSES = (() => {
  const table = new Uint8Array(128);
  for (let c = 0x30; c <= 0x39; c++) table[c] = DIGIT | HEX | BASE64;
  for (let c = 0x41; c <= 0x5a; c++) table[c] = UPPER | BASE64 | (c <= 0x46 ? HEX : 0);
  for (let c = 0x61; c <= 0x7a; c++) table[c] = BASE64 | (c <= 0x66 ? HEX : 0);
  for (const c of '+/_') table[c.charCodeAt(0)] = BASE64;
  table[0x2d] = BASE64 | JOINER; // -
  for (const c of ' .()') table[c.charCodeAt(0)] = JOINER;
  return table;
})();

export function profileText(text: string): ValueProfile {
  const builder = new ProfileBuilder(text.length);
  for (let i = 0; i < text.length; i++) builder.step(text.charCodeAt(i));
  return builder;
}

/** The same profile from UTF-8 bytes, without decoding them. */
export function profileBytes(bytes: Uint8Array): ValueProfile {
  const builder = new ProfileBuilder(bytes.length);
  for (let i = 0; i < bytes.length; i++) builder.step(bytes[i]!);
  return builder;
}

/** Accumulates the profile one code unit at a time; shared by both paths so they cannot drift. */
class ProfileBuilder implements ValueProfile {
  digits = 0;
  joinedDigits = 0;
  upper = 0;
  at = false;
  plus = false;
  dots = 0;
  hexRun = 0;
  base64Run = 0;
  nonAscii = false;
  private digitRun = 0;
  private joiners = 0;
  private hexCurrent = 0;
  private base64Current = 0;

  constructor(readonly length: number) {}

  step(c: number): void {
    const cls = c < 128 ? CLASSES[c]! : 0;
    if (cls & DIGIT) {
      this.digits++;
      this.joiners = 0;
      if (++this.digitRun > this.joinedDigits) this.joinedDigits = this.digitRun;
    } else {
      if (cls & JOINER && this.digitRun > 0 && this.joiners < MAX_JOINERS) this.joiners++;
      else this.digitRun = this.joiners = 0;
      if (cls & UPPER) this.upper++;
      else if (c === 0x40) this.at = true;
      else if (c === 0x2b) this.plus = true;
      else if (c === 0x2e) this.dots++;
      else if (c >= 128) this.nonAscii = true;
    }
    this.hexCurrent = cls & HEX ? this.hexCurrent + 1 : 0;
    if (this.hexCurrent > this.hexRun) this.hexRun = this.hexCurrent;
    this.base64Current = cls & BASE64 ? this.base64Current + 1 : 0;
    if (this.base64Current > this.base64Run) this.base64Run = this.base64Current;
  }
}
