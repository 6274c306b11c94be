/** Deployment-wide masking settings; read once when a masker is built. */
export interface MaskingOptions {
  /**
   * The per-deployment secret for `hash`. Required to use `hash` (there is no
   * default key: a public default would let anyone rebuild the dictionary).
   * At least 16 bytes; a string is taken as UTF-8.
   */
  readonly hashKey?: string | Uint8Array;
  /** Hex characters kept from the HMAC, even, 8–64. Default 16 (64 bits). */
  readonly hashLength?: number;
  /** What `redact` writes in place of a value or span. Default `****`. */
  readonly redactMarker?: string;
  /** Values shorter than this many characters reveal nothing under `partial`. Default 8. */
  readonly partialMinLength?: number;
}

export const DEFAULT_REDACT_MARKER = '****';
export const DEFAULT_HASH_LENGTH = 16;
export const DEFAULT_PARTIAL_MIN_LENGTH = 8;
export const MIN_HASH_KEY_BYTES = 16;
