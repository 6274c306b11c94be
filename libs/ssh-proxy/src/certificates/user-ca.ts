import ssh2 from 'ssh2';
import { HostKeyError, loadOrCreateKey } from '../proxy/host-key.js';
import type { CertificateAuthority } from './user-certificate.js';

/** The gateway's SSH user CA: what sshd's TrustedUserCAKeys names, and the signer of session certificates. */
export interface UserCa extends CertificateAuthority {
  /** `ssh-ed25519 AAAA… portcullis-user-ca`: the line for the hosts' TrustedUserCAKeys file. */
  readonly publicKeyLine: string;
}

/**
 * Reads the user CA key (OpenSSH format, Ed25519) from `path`, creating one
 * there (mode 0600) on first start, like the host key. It stays in this
 * process; `ssh-keygen -s <path>` can sign with the same file.
 */
export async function loadOrCreateUserCa(path: string): Promise<UserCa> {
  const pem = await loadOrCreateKey(path, 'user CA key', 'portcullis-user-ca');
  const key = ssh2.utils.parseKey(pem);
  if (key instanceof Error || Array.isArray(key) || key.type !== 'ssh-ed25519')
    throw new HostKeyError(`user CA key ${path} is not an Ed25519 OpenSSH private key`);
  const publicBlob = key.getPublicSSH();
  return {
    publicBlob,
    publicKeyLine: `ssh-ed25519 ${publicBlob.toString('base64')} portcullis-user-ca`,
    sign(data) {
      const signature = key.sign(data);
      if (signature instanceof Error) throw signature;
      return signature;
    },
  };
}
