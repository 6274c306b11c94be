import { type MaskMethod } from './mask-method.js';
import { createMasker, type Masker } from './masker.js';
import { type MaskingOptions } from './masking-options.js';

// Callers on the hot path pass the same options object for every value; the
// prepared masker (key schedule, marker bytes) is cached against it.
const prepared = new WeakMap<MaskingOptions, Masker>();
const defaults: MaskingOptions = {};

/** The masker prepared for this options object (built on first use). */
export function preparedMasker(options: MaskingOptions = defaults): Masker {
  let masker = prepared.get(options);
  if (masker === undefined) {
    masker = createMasker(options);
    prepared.set(options, masker);
  }
  return masker;
}

/** Masks one text value. Options are read once per options object; build a `Masker` to be explicit. */
export function maskValue(
  value: string | null,
  method: MaskMethod,
  options: MaskingOptions = defaults,
): string | null {
  return preparedMasker(options).mask(value, method);
}

/** Masks one UTF-8 text-format column value; see `Masker.maskBytes` for buffer ownership. */
export function maskValueBytes(
  value: Uint8Array | null,
  method: MaskMethod,
  options: MaskingOptions = defaults,
): Buffer | null {
  return preparedMasker(options).maskBytes(value, method);
}
