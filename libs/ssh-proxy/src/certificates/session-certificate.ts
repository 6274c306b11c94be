import { createHash, randomBytes } from 'node:crypto';
import ssh2 from 'ssh2';
import type { Identity } from '@portcullis/identity';
import type { UpstreamCredentialIssuedData } from '@portcullis/events';
import { generateEd25519OpenSshKey } from '../proxy/host-key.js';
import type { SshTarget } from '../proxy/proxy-options.js';
import { SessionRefusal } from '../proxy/session-refusal.js';
import type { UserCa } from './user-ca.js';
import { signUserCertificate } from './user-certificate.js';

/** A certificate is needed only to log in; the connection outlives it. Default 5 minutes. */
export const DEFAULT_CERTIFICATE_SECONDS = 300;
/** Valid from a minute ago: a host whose clock runs a little behind still accepts it. */
const CLOCK_SKEW_SECONDS = 60;

/** The session's key and certificate: in memory only, for one upstream login. */
export interface SessionCertificate {
  /** OpenSSH-format private key text; never written anywhere. */
  readonly privateKey: string;
  readonly certificate: Buffer;
  readonly principal: string;
  /** What UpstreamCredentialIssued records (no key material). */
  readonly issued: Omit<UpstreamCredentialIssuedData, 'sessionId'>;
}

/**
 * A fresh Ed25519 key pair for one session, certified by the gateway's user
 * CA for one principal, for a short time, with a key id that names the
 * session and the identity, so the host's auth log says who it was
 * ("… ID portcullis session=… subject=…").
 */
export function issueSessionCertificate(
  ca: UserCa,
  request: {
    sessionId: string;
    identity: Identity;
    principal: string;
    validitySeconds?: number;
    now?: number;
  },
): SessionCertificate {
  const privateKey = generateEd25519OpenSshKey(`portcullis session ${request.sessionId}`);
  const key = ssh2.utils.parseKey(privateKey);
  if (key instanceof Error || Array.isArray(key)) throw new Error('generated key does not parse');
  const publicBlob = key.getPublicSSH();
  const now = request.now ?? Date.now();
  const validAfter = new Date(now - CLOCK_SKEW_SECONDS * 1000);
  const validBefore = new Date(now + (request.validitySeconds ?? DEFAULT_CERTIFICATE_SECONDS) * 1000);
  const serial = randomBytes(8).readBigUInt64BE() & 0x7fff_ffff_ffff_ffffn;
  const keyId = `portcullis session=${request.sessionId} subject=${request.identity.subject}`;
  const certificate = signUserCertificate(ca, {
    publicBlob,
    serial,
    keyId,
    principals: [request.principal],
    validAfter,
    validBefore,
  });
  return {
    privateKey,
    certificate,
    principal: request.principal,
    issued: {
      mechanism: 'certificate',
      principal: request.principal,
      keyId,
      serial: serial.toString(),
      fingerprint: `SHA256:${createHash('sha256').update(publicBlob).digest('base64').replace(/=+$/, '')}`,
      validAfter: validAfter.toISOString(),
      validUntil: validBefore.toISOString(),
    },
  };
}

/** A `credential: certificate` target's login for this session: a key pair and a certificate of its own. */
export function sessionCertificate(
  target: SshTarget,
  userCa: UserCa | undefined,
  sessionId: string,
  identity: Identity,
  grantedPrincipal: string | undefined,
): SessionCertificate | undefined {
  if (target.upstream.credential !== 'certificate') return undefined;
  if (!userCa) throw new SessionRefusal('upstream_credential_failed', 'no user CA is loaded', identity);
  return issueSessionCertificate(userCa, {
    sessionId,
    identity,
    principal: grantedPrincipal ?? target.upstream.user,
    ...(target.upstream.certificateSeconds ? { validitySeconds: target.upstream.certificateSeconds } : {}),
  });
}
