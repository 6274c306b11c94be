import {
  constants,
  createHash,
  createHmac,
  createPublicKey,
  createSecretKey,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import { PolicyBundleSignatureError } from '../errors.js';
import { canonicalJson } from './canonical-json.js';

/** A verification key as OPA's `keys` configuration names it. */
export interface BundleVerificationKey {
  /** JWS algorithm: RS256/384/512, PS256/384/512, ES256/384/512, HS256/384/512. */
  algorithm: string;
  /** PEM public key (or certificate) for asymmetric algorithms, the shared secret for HS*. */
  key: string;
  /** Expected `scope` claim, when signing used one. */
  scope?: string;
}

export interface BundleVerification {
  keys: Record<string, BundleVerificationKey>;
  /** Which key to use; defaults to the JWT's `kid` header, then its `keyid` claim. */
  keyId?: string;
  /** Overrides the key's scope. */
  scope?: string;
}

interface SignedFile {
  name: string;
  hash: string;
  algorithm: string;
}

const HASHES: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
  'SHA-512-224': 'sha512-224',
  'SHA-512-256': 'sha512-256',
};

/**
 * Verifies .signatures.json as OPA does: exactly one JWS, signed by the
 * configured key, whose `files` claim lists every file of the bundle with a
 * matching digest, and nothing more.
 */
export function verifyBundleSignature(files: Map<string, Buffer>, verification: BundleVerification): void {
  const raw = files.get('.signatures.json');
  if (!raw)
    throw new PolicyBundleSignatureError(
      'bundle has no .signatures.json but verification keys are configured',
    );
  const tokens = parseSignatures(raw);
  const claims = verifyToken(tokens[0]!, verification);
  const signed = new Map<string, SignedFile>();
  for (const file of claims.files) signed.set(file.name.replace(/^\/+/, ''), file);

  for (const [name, content] of files) {
    if (name === '.signatures.json') continue;
    const entry = signed.get(name);
    if (!entry) throw new PolicyBundleSignatureError(`file ${name} is not included in the bundle signature`);
    const actual = digest(name, content, entry.algorithm);
    if (!timingSafeEqual(Buffer.from(actual, 'hex'), Buffer.from(entry.hash, 'hex'))) {
      throw new PolicyBundleSignatureError(`${name}: digest mismatch`);
    }
    signed.delete(name);
  }
  if (signed.size > 0) {
    throw new PolicyBundleSignatureError(
      `signed files missing from the bundle: ${[...signed.keys()].join(', ')}`,
    );
  }
}

function parseSignatures(raw: Buffer): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch (cause) {
    throw new PolicyBundleSignatureError('.signatures.json is not valid JSON', { cause });
  }
  const list = (parsed as { signatures?: unknown }).signatures;
  if (!Array.isArray(list) || list.length !== 1 || typeof list[0] !== 'string') {
    throw new PolicyBundleSignatureError('.signatures.json must hold exactly one JWT in "signatures"');
  }
  return list as string[];
}

function verifyToken(token: string, verification: BundleVerification): { files: SignedFile[] } {
  const parts = token.split('.');
  if (parts.length !== 3) throw new PolicyBundleSignatureError('signature is not a compact JWS');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJson(headerPart, 'header');
  const claims = decodeJson(payloadPart, 'payload');
  const keyId = verification.keyId ?? stringOr(header.kid) ?? stringOr(claims.keyid);
  if (!keyId) throw new PolicyBundleSignatureError('no key id: configure keyId or sign with a kid');
  const key = verification.keys[keyId];
  if (!key) throw new PolicyBundleSignatureError(`key ${keyId} is not configured`);
  if (header.alg !== key.algorithm) {
    throw new PolicyBundleSignatureError(
      `token algorithm ${String(header.alg)} differs from key ${keyId}'s ${key.algorithm}`,
    );
  }
  const signingInput = Buffer.from(`${headerPart}.${payloadPart}`);
  const signature = Buffer.from(signaturePart, 'base64url');
  if (!checkSignature(key, signingInput, signature)) {
    throw new PolicyBundleSignatureError(`signature does not verify with key ${keyId}`);
  }
  const scope = verification.scope ?? key.scope ?? '';
  if ((claims.scope ?? '') !== scope) throw new PolicyBundleSignatureError('scope mismatch');
  if (!Array.isArray(claims.files)) throw new PolicyBundleSignatureError('signature lists no files');
  return { files: claims.files as SignedFile[] };
}

function checkSignature(key: BundleVerificationKey, input: Buffer, signature: Buffer): boolean {
  const match = /^(RS|PS|ES|HS)(256|384|512)$/.exec(key.algorithm);
  if (!match) throw new PolicyBundleSignatureError(`unsupported algorithm ${key.algorithm}`);
  const [, family, bits] = match as unknown as [string, string, string];
  const hash = `sha${bits}`;
  if (family === 'HS') {
    const expected = createHmac(hash, createSecretKey(Buffer.from(key.key)))
      .update(input)
      .digest();
    return expected.length === signature.length && timingSafeEqual(expected, signature);
  }
  const publicKey = createPublicKey(key.key);
  if (family === 'RS') return verify(hash, input, publicKey, signature);
  if (family === 'PS') {
    return verify(
      hash,
      input,
      {
        key: publicKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      },
      signature,
    );
  }
  // JWS carries ECDSA signatures as r||s, not DER.
  return verify(hash, input, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
}

function digest(name: string, content: Buffer, algorithm: string): string {
  const hash = HASHES[algorithm];
  if (!hash) throw new PolicyBundleSignatureError(`${name}: unsupported hashing algorithm ${algorithm}`);
  const base = name.split('/').pop();
  if (base === 'data.json' || base === '.manifest') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(content.toString('utf8'));
    } catch (cause) {
      throw new PolicyBundleSignatureError(`${name} is not valid JSON`, { cause });
    }
    return createHash(hash).update(canonicalJson(parsed)).digest('hex');
  }
  return createHash(hash).update(content).digest('hex');
}

function decodeJson(part: string, what: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw new PolicyBundleSignatureError(`JWT ${what} is not valid JSON`, { cause });
  }
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
