export { type MaskMethod, MASK_METHODS, isMaskMethod, strictestMethod } from './mask-method.js';
export {
  type MaskingOptions,
  DEFAULT_REDACT_MARKER,
  DEFAULT_HASH_LENGTH,
  DEFAULT_PARTIAL_MIN_LENGTH,
  MIN_HASH_KEY_BYTES,
} from './masking-options.js';
export { MaskingConfigError } from './masking-error.js';
export { type Masker, createMasker } from './masker.js';
export { maskValue, maskValueBytes } from './mask-value.js';
export { type DetectorKind, type DetectorHit, type HitEncoding } from './detectors/detector.js';
export { DETECTOR_KINDS, isDetectorKind } from './detectors/all-detectors.js';
export { type Scanner, type ScannerOptions, createScanner, detect, detectBytes } from './scanner.js';
export { type DetectorMethods, maskDetected, maskDetectedBytes } from './mask-detected.js';
export { type MaskedColumnCount, type MaskingTarget, MaskingTally, MaskingReport } from './masking-report.js';
