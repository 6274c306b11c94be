import { TokenRejectedError } from '../errors.js';
import type { UnverifiedToken } from './compact-token.js';
import { quote } from './excerpt.js';

/**
 * Checks the protected header against what this issuer may use. The key is
 * chosen only by `kid` (and `alg`) from the issuer's own JWKS: `jku`, `x5u`,
 * `jwk` and `x5c` are never read, so pointing them at an attacker's keys
 * changes nothing.
 */
export function checkHeader(token: UnverifiedToken, algorithms: readonly string[]): void {
  const { alg, crit } = token.header;
  if (typeof alg !== 'string' || alg.length === 0) {
    throw new TokenRejectedError('malformed', 'header has no "alg"');
  }
  if (!algorithms.includes(alg)) {
    throw new TokenRejectedError(
      'algorithm_not_allowed',
      `algorithm ${quote(alg)} is not allowed for this issuer`,
    );
  }
  // We understand no extension header, so RFC 7515, 4.1.11 says refuse any `crit`.
  if (crit !== undefined) {
    throw new TokenRejectedError(
      'unsupported_critical_header',
      `critical header parameters ${quote(crit)} are not understood`,
    );
  }
  if (token.header.kid !== undefined && typeof token.header.kid !== 'string') {
    throw new TokenRejectedError('malformed', '"kid" is not a string');
  }
  if (!token.signed) throw new TokenRejectedError('malformed', 'the signature is empty');
}
