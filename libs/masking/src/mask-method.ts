/**
 * How a value is masked. The policy decides the method per column (or per
 * detector); these are the names it uses in `decision.mask[].method`.
 *
 * - `redact`: a fixed marker; keeps nothing, not even the length.
 * - `partial`: keeps a little shape (last digits of a card, first letter and
 *   domain of an email), `***` otherwise.
 * - `hash`: keyed HMAC-SHA-256, truncated hex; equal values still join.
 * - `null`: SQL NULL.
 */
export type MaskMethod = 'redact' | 'partial' | 'hash' | 'null';

export const MASK_METHODS: readonly MaskMethod[] = ['redact', 'partial', 'hash', 'null'];

export function isMaskMethod(value: unknown): value is MaskMethod {
  return value === 'redact' || value === 'partial' || value === 'hash' || value === 'null';
}

/**
 * When two detections overlap, the span is masked once, with the method that
 * reveals least. Ranked from most to least revealing.
 */
const REVEALS: Readonly<Record<MaskMethod, number>> = { partial: 3, hash: 2, redact: 1, null: 0 };

export function strictestMethod(a: MaskMethod, b: MaskMethod): MaskMethod {
  return REVEALS[a] <= REVEALS[b] ? a : b;
}
