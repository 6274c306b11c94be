import { type ValueProfile } from './value-profile.js';

/** The detector names policies use in `decision.mask[].detector`. */
export type DetectorKind =
  | 'credit_card'
  | 'us_ssn'
  | 'iban'
  | 'email'
  | 'phone'
  | 'aws_access_key_id'
  | 'aws_secret_access_key'
  | 'jwt';

/** How a value had been transformed when the hit was found inside its decoding. */
export type HitEncoding = 'hex' | 'base64';

/**
 * One sensitive occurrence: `[start, end)` in the scanned value (UTF-16 code
 * units for strings, bytes for buffers). For an encoded hit the span covers
 * the whole encoded run, since masking part of an encoding still leaks the rest.
 */
export interface DetectorHit {
  readonly kind: DetectorKind;
  readonly start: number;
  readonly end: number;
  readonly encoding?: HitEncoding;
}

export interface Detector {
  readonly kind: DetectorKind;
  /** Cheap test on the one-pass profile; false means no hit is possible, so no regex runs. */
  plausible(profile: ValueProfile): boolean;
  /**
   * Appends every validated hit in `text` to `hits`. Detectors keep their
   * regexes in module scope (compiled once) and reset `lastIndex` on entry;
   * that is safe because a scan never yields.
   */
  find(text: string, hits: DetectorHit[]): void;
}
