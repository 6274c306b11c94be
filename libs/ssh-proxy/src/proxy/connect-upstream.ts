import ssh2 from 'ssh2';
import type { Identity } from '@portcullis/identity';
import type { SshUpstream } from './proxy-options.js';
import { SessionRefusal } from './session-refusal.js';
import { certificateLogin } from '../certificates/certificate-login.js';
import type { SessionCertificate } from '../certificates/session-certificate.js';

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Opens the session's SSH connection to the target host, with the
 * configured key or the session's certificate (logged in as its principal).
 * The host key must equal the configured one (no trust on first use): a
 * mismatch is `upstream_host_key_mismatch` and nothing is sent.
 */
export async function connectUpstream(
  upstream: SshUpstream,
  identity: Identity,
  certificate?: SessionCertificate,
): Promise<ssh2.Client> {
  const expected = ssh2.utils.parseKey(upstream.hostKey);
  if (expected instanceof Error || Array.isArray(expected))
    throw new SessionRefusal('upstream_unavailable', 'configured upstream host key is unreadable', identity);
  const expectedBlob = expected.getPublicSSH();
  let mismatch = false;
  const client = new ssh2.Client();
  return new Promise((resolve, reject) => {
    const fail = (reason: string, detail: string) => {
      client.removeAllListeners('ready');
      client.end();
      reject(new SessionRefusal(reason, detail, identity));
    };
    client.once('ready', () => {
      client.removeAllListeners('error');
      client.on('error', () => undefined); // later errors end the session through 'close'
      resolve(client);
    });
    client.once('error', (error) =>
      mismatch
        ? fail(
            'upstream_host_key_mismatch',
            `host key of ${upstream.host}:${upstream.port} does not match the configured key`,
          )
        : fail('upstream_unavailable', `${upstream.host}:${upstream.port}: ${error.message}`),
    );
    client.connect({
      host: upstream.host,
      port: upstream.port,
      username: certificate?.principal ?? upstream.user,
      ...((certificate?.privateKey ?? upstream.privateKey) === undefined
        ? {}
        : { privateKey: certificate?.privateKey ?? upstream.privateKey }),
      readyTimeout: upstream.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      // Only our key: no agent, no password, no keyboard-interactive fallback.
      tryKeyboard: false,
      hostVerifier: (key: Buffer) => {
        mismatch = !key.equals(expectedBlob);
        return !mismatch;
      },
    });
    if (certificate) certificateLogin(client, certificate.certificate);
  });
}
