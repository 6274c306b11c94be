import { type MaskMethod } from './mask-method.js';
import { MaskingConfigError } from './masking-error.js';
import {
  DEFAULT_HASH_LENGTH,
  DEFAULT_PARTIAL_MIN_LENGTH,
  DEFAULT_REDACT_MARKER,
  type MaskingOptions,
} from './masking-options.js';
import { KeyedHash } from './maskers/keyed-hash.js';
import { OPAQUE, partialMask, partialMaskAscii } from './maskers/partial.js';
import { asBuffer, isAscii } from './text-bytes.js';

/**
 * Masks one column value. Built once per deployment (or session) and called
 * for every value of every masked column, so everything that can be is
 * prepared here: the key schedule, the marker bytes.
 *
 * The byte variant takes a UTF-8 text-format column value (a `subarray` of
 * the DataRow is fine, it is never kept). Buffers it returns for `redact` and
 * opaque `partial` are shared constants: copy them out, never write into them.
 * `null` in means SQL NULL, which has nothing to hide and stays NULL.
 */
export interface Masker {
  mask(value: string | null, method: MaskMethod): string | null;
  maskBytes(value: Uint8Array | null, method: MaskMethod): Buffer | null;
}

export function createMasker(options: MaskingOptions = {}): Masker {
  const marker = options.redactMarker ?? DEFAULT_REDACT_MARKER;
  const markerBytes = Buffer.from(marker, 'utf8');
  const opaqueBytes = Buffer.from(OPAQUE, 'latin1');
  const minLength = options.partialMinLength ?? DEFAULT_PARTIAL_MIN_LENGTH;
  const keyedHash =
    options.hashKey === undefined
      ? undefined
      : new KeyedHash(options.hashKey, options.hashLength ?? DEFAULT_HASH_LENGTH);

  function requireKey(): KeyedHash {
    if (keyedHash === undefined) {
      throw new MaskingConfigError(
        'hashKey',
        'the hash method needs a per-deployment key; none is configured',
      );
    }
    return keyedHash;
  }

  return {
    mask(value, method) {
      if (value === null) return null;
      switch (method) {
        case 'redact':
          return marker;
        case 'partial':
          return partialMask(value, minLength);
        case 'hash':
          return requireKey().hex(value);
        case 'null':
          return null;
      }
    },
    maskBytes(value, method) {
      if (value === null) return null;
      switch (method) {
        case 'redact':
          return markerBytes;
        case 'partial': {
          // Cheap exit before anything else: too short to reveal anything.
          // Byte length >= character length, so this never wrongly says "short".
          if (value.length < minLength) return opaqueBytes;
          const bytes = asBuffer(value);
          if (isAscii(bytes)) {
            const masked = partialMaskAscii(bytes, minLength);
            return masked === OPAQUE ? opaqueBytes : masked;
          }
          const masked = partialMask(bytes.toString('utf8'), minLength);
          return masked === OPAQUE ? opaqueBytes : Buffer.from(masked, 'utf8');
        }
        case 'hash':
          return requireKey().hexBytes(value);
        case 'null':
          return null;
      }
    },
  };
}
