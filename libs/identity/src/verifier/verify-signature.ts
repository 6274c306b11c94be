import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import type { ResolvedIssuer } from '../config/resolved-issuer.js';
import { TokenRejectedError } from '../errors.js';
import type { JwksCache } from '../jwks/jwks-cache.js';

/**
 * Verifies signature, audience and lifetime with jose against the issuer's
 * cached keys. A `kid` we do not hold triggers one (rate-limited) refetch,
 * which is how a rotated key is picked up without a restart.
 */
export async function verifySignature(
  token: string,
  issuer: ResolvedIssuer,
  keys: JwksCache,
  now: Date,
): Promise<JWTPayload> {
  const options: JWTVerifyOptions = {
    algorithms: [...issuer.algorithms],
    audience: [...issuer.audiences],
    clockTolerance: issuer.clockSkewSeconds,
    requiredClaims: [...issuer.requiredClaims],
    currentDate: now,
  };
  try {
    return await verifyWithKeySet(token, await keys.current(), options);
  } catch (error) {
    if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
  }
  const outcome = await keys.refetchForUnknownKey();
  if (outcome === 'failed') {
    throw new TokenRejectedError(
      'jwks_unavailable',
      `unknown key id and the JWKS refetch failed: ${keys.failure}`,
    );
  }
  if (outcome === 'rate_limited') {
    throw new TokenRejectedError('unknown_key', 'unknown key id (JWKS refetched too recently to try again)');
  }
  return verifyWithKeySet(token, await keys.current(), options);
}

/**
 * A token without `kid` can match several keys of the set; jose then hands
 * us the candidates and we try each (only a signature mismatch moves on).
 */
async function verifyWithKeySet(
  token: string,
  keySet: JWTVerifyGetKey,
  options: JWTVerifyOptions,
): Promise<JWTPayload> {
  try {
    return (await jwtVerify(token, keySet, options)).payload;
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
    for await (const key of error) {
      try {
        return (await jwtVerify(token, key, options)).payload;
      } catch (attempt) {
        if (!(attempt instanceof errors.JWSSignatureVerificationFailed)) throw attempt;
      }
    }
    throw new TokenRejectedError('bad_signature', 'no key of the JWKS verifies the signature');
  }
}
