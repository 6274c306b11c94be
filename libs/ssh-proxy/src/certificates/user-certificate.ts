import { randomBytes } from 'node:crypto';
import { readStrings, sshString, uint32, uint64 } from './ssh-wire.js';

/** The one certificate type the gateway issues: an Ed25519 key, signed by an Ed25519 CA. */
export const ED25519_CERT = 'ssh-ed25519-cert-v01@openssh.com';
const ED25519 = 'ssh-ed25519';
const SSH_CERT_TYPE_USER = 1;
/**
 * What the certificate lets the session do besides log in: a terminal, for
 * interactive shells. No agent, port or X11 forwarding (the proxy refuses
 * those anyway) and no ~/.ssh/rc.
 */
export const DEFAULT_EXTENSIONS = ['permit-pty'] as const;

/** Who signs: the CA's public key blob and an Ed25519 signature over bytes. */
export interface CertificateAuthority {
  readonly publicBlob: Buffer;
  sign(data: Buffer): Buffer;
}

export interface UserCertificateRequest {
  /** The subject's public key blob (`string "ssh-ed25519", string key`). */
  readonly publicBlob: Buffer;
  readonly serial: bigint;
  readonly keyId: string;
  readonly principals: readonly string[];
  readonly validAfter: Date;
  readonly validBefore: Date;
  readonly extensions?: readonly string[];
}

/**
 * An OpenSSH user certificate, as the `ssh-ed25519-cert-v01@openssh.com`
 * blob of PROTOCOL.certkeys in OpenSSH's source (the layout `ssh-keygen -s`
 * writes). Written here rather than with sshpk: its certificate API sets
 * neither a key id nor extensions (a certificate without permit-pty gets no
 * terminal), and the layout is a short, fixed sequence of fields. `ssh-keygen
 * -L` and sshd read what this writes (credentials int tests).
 */
export function signUserCertificate(ca: CertificateAuthority, request: UserCertificateRequest): Buffer {
  const [type, key] = readStrings(request.publicBlob);
  if (type?.toString() !== ED25519 || key?.length !== 32)
    throw new TypeError('only Ed25519 keys are certified');
  const extensions = [...(request.extensions ?? DEFAULT_EXTENSIONS)].sort();
  const unsigned = Buffer.concat([
    sshString(ED25519_CERT),
    sshString(randomBytes(32)), // nonce
    sshString(key),
    uint64(request.serial),
    uint32(SSH_CERT_TYPE_USER),
    sshString(request.keyId),
    sshString(Buffer.concat(request.principals.map((p) => sshString(p)))),
    uint64(secondsOf(request.validAfter)),
    uint64(secondsOf(request.validBefore)),
    sshString(Buffer.alloc(0)), // critical options: none
    sshString(Buffer.concat(extensions.map((name) => Buffer.concat([sshString(name), sshString('')])))),
    sshString(Buffer.alloc(0)), // reserved
    sshString(ca.publicBlob),
  ]);
  const signature = Buffer.concat([sshString(ED25519), sshString(ca.sign(unsigned))]);
  return Buffer.concat([unsigned, sshString(signature)]);
}

/** The `ssh-ed25519-cert-v01@openssh.com AAAA…` line (a `-cert.pub` file). */
export function certificateLine(certificate: Buffer, comment = ''): string {
  return `${ED25519_CERT} ${certificate.toString('base64')}${comment ? ` ${comment}` : ''}`;
}

function secondsOf(date: Date): bigint {
  return BigInt(Math.floor(date.getTime() / 1000));
}
