import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson, GENESIS_HASH, type AuditAnchorSignedData } from '@portcullis/events';

/** What an anchor signs: every field but the signature. */
export type AnchorPayload = Omit<AuditAnchorSignedData, 'signature'>;

export const FIRST_ANCHOR_PREVIOUS = GENESIS_HASH;

/** The bytes signed: RFC 8785 canonical JSON of the payload. */
function signedBytes(payload: AnchorPayload): Buffer {
  const { signature: _none, ...rest } = payload as AuditAnchorSignedData;
  return Buffer.from(canonicalJson(rest));
}

/** The next anchor's `previous`: SHA-256 of this one's signed bytes. */
export function anchorDigest(anchor: AnchorPayload): string {
  return createHash('sha256').update(signedBytes(anchor)).digest('hex');
}

export function signAnchor(payload: AnchorPayload, privateKey: KeyObject): AuditAnchorSignedData {
  return { ...payload, signature: sign(null, signedBytes(payload), privateKey).toString('base64') };
}

export function anchorSignatureValid(anchor: AuditAnchorSignedData, publicKey: KeyObject): boolean {
  try {
    return verify(null, signedBytes(anchor), publicKey, Buffer.from(anchor.signature, 'base64'));
  } catch {
    return false;
  }
}

/** The first 16 hex digits of the SHA-256 of the public key's SPKI DER. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ format: 'der', type: 'spki' }))
    .digest('hex')
    .slice(0, 16);
}

/** An Ed25519 public key from PEM: SPKI, or the private key's PKCS#8 (its public half). */
export function publicKeyFromPem(pem: string): KeyObject {
  if (/PRIVATE KEY/.test(pem)) return createPublicKey(createPrivateKey(pem));
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`not an Ed25519 key (${key.asymmetricKeyType})`);
  return key;
}
