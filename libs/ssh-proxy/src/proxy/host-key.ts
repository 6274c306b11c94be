import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import ssh2 from 'ssh2';
import { ErrorCode, PortcullisError } from '@portcullis/events';

/** The proxy's host key could not be read, created or parsed: the proxy does not start. */
export class HostKeyError extends PortcullisError {
  constructor(message: string) {
    super(ErrorCode.Validation, message);
  }
}

/**
 * Reads the proxy's host private key (OpenSSH format) from `path`, creating
 * an ed25519 key there (mode 0600, `wx` so two starting proxies cannot both
 * write it) on first start. Clients pin this key, so it must survive restarts.
 */
export function loadOrCreateHostKey(path: string): Promise<Buffer> {
  return loadOrCreateKey(path, 'host key', 'portcullis-ssh-proxy');
}

/** The same for any key of the gateway's own (`what` names it in errors): the host key, the user CA. */
export async function loadOrCreateKey(path: string, what: string, comment: string): Promise<Buffer> {
  let pem: Buffer;
  try {
    pem = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new HostKeyError(`cannot read ${what} ${path}: ${String(error)}`);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    pem = Buffer.from(generateEd25519OpenSshKey(comment), 'utf8');
    await writeFile(path, pem, { mode: 0o600, flag: 'wx' }).catch(async (writeError: unknown) => {
      if ((writeError as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError;
      pem = await readFile(path); // another process created it first: use theirs
    });
  }
  const parsed = ssh2.utils.parseKey(pem);
  if (parsed instanceof Error || Array.isArray(parsed) || !parsed.isPrivateKey())
    throw new HostKeyError(`${what} ${path} is not an OpenSSH private key ssh2 can use`);
  return pem;
}

/**
 * node:crypto cannot export the `openssh-key-v1` format, and ssh2 reads
 * ed25519 private keys only in that format, so the container is written
 * here (PROTOCOL.key in OpenSSH's source): unencrypted, one key.
 *
 * Not `ssh2.utils.generateKeyPairSync('ed25519')`: it drops a leading zero
 * byte of the 32-byte public key, so about 1 key in 256 is one that ssh2
 * itself cannot parse (8 in 3,000 here; it failed a CI run).
 */
export function generateEd25519OpenSshKey(comment = 'portcullis-ssh-proxy'): string {
  // As PEM, then exported from fresh KeyObjects: exporting the generated KeyObject as a JWK can
  // deadlock Node 20 (a GC during the export runs the generation job's destructor, which waits for
  // the mutex the export holds).
  const pair = generateKeyPairSync('ed25519', {
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const seed = Buffer.from(
    createPrivateKey(pair.privateKey).export({ format: 'jwk' }).d as string,
    'base64url',
  );
  const pub = Buffer.from(createPublicKey(pair.publicKey).export({ format: 'jwk' }).x as string, 'base64url');
  const keyType = Buffer.from('ssh-ed25519');
  const publicBlob = Buffer.concat([sshString(keyType), sshString(pub)]);
  const check = randomBytes(4);
  const unpadded = Buffer.concat([
    check,
    check,
    sshString(keyType),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(Buffer.from(comment)),
  ]);
  const padding = Buffer.from(Array.from({ length: (8 - (unpadded.length % 8)) % 8 }, (_, i) => i + 1));
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString(Buffer.from('none')), // cipher
    sshString(Buffer.from('none')), // kdf
    sshString(Buffer.alloc(0)), // kdf options
    uint32(1), // number of keys
    sshString(publicBlob),
    sshString(Buffer.concat([unpadded, padding])),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  // Only the armour of the format: the key inside is generated on first start
  // and written to the operator's hostKeyFile (mode 0600); none is in the repository.
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

/** The `ssh-ed25519 AAAA… comment` line of a private key, for authorized_keys and known_hosts. */
export function publicKeyLine(privateKeyPem: string | Buffer, comment = ''): string {
  const parsed = ssh2.utils.parseKey(privateKeyPem);
  if (parsed instanceof Error || Array.isArray(parsed)) throw new HostKeyError('not a key ssh2 can parse');
  return `${parsed.type} ${parsed.getPublicSSH().toString('base64')}${comment ? ` ${comment}` : ''}`;
}

function sshString(value: Buffer): Buffer {
  return Buffer.concat([uint32(value.length), value]);
}

function uint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}
