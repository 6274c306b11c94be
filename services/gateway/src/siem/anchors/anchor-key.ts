import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface AnchorKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The public key as SPKI PEM, as `<keyFile>.pub` holds it. */
  readonly publicPem: string;
  readonly created: boolean;
}

/**
 * The anchor signing key: an Ed25519 PKCS#8 PEM file, created (mode 0600)
 * on first start with its public half beside it in `<keyFile>.pub`, which
 * is what a verifier is given. Generated as PEM and read back into fresh
 * KeyObjects: on Node 20, exporting a just-generated KeyObject can deadlock.
 */
export async function loadOrCreateAnchorKey(keyFile: string): Promise<AnchorKey> {
  let pem: string;
  let created = false;
  try {
    pem = await readFile(keyFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const pair = generateKeyPairSync('ed25519', {
      privateKeyEncoding: { format: 'pem', type: 'pkcs8' },
      publicKeyEncoding: { format: 'pem', type: 'spki' },
    });
    await mkdir(dirname(keyFile), { recursive: true });
    await writeFile(keyFile, pair.privateKey, { mode: 0o600, flag: 'wx' });
    await writeFile(`${keyFile}.pub`, pair.publicKey, { mode: 0o644 });
    pem = pair.privateKey;
    created = true;
  }
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`${keyFile} is not an Ed25519 private key (${privateKey.asymmetricKeyType})`);
  }
  const publicKey = createPublicKey(privateKey);
  const publicPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  return { privateKey, publicKey, publicPem, created };
}
