import { ValidationError } from '@portcullis/events';

/**
 * Masking was configured in a way that cannot be honoured (no hash key, a
 * key too short to resist guessing, a bad truncation length). Raised when the
 * masker is built or first asked for the method, so the proxy can fail closed
 * instead of sending the value through.
 */
export class MaskingConfigError extends ValidationError {
  constructor(path: string, message: string) {
    super('invalid masking configuration', [{ path, message }]);
  }
}
