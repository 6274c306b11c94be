import { createRequire } from 'node:module';
import type ssh2 from 'ssh2';
import { sshString } from './ssh-wire.js';
import { ED25519_CERT } from './user-certificate.js';

const require = createRequire(import.meta.url);
// ssh2 keeps its packet writer internal; the login below needs it (see certificateLogin).
const { sendPacket } = require('ssh2/lib/protocol/utils.js') as {
  sendPacket: (protocol: unknown, packet: Buffer) => void;
};

const USERAUTH_REQUEST = 50;

/** The parts of ssh2 1.x's Protocol a publickey request is written with. */
interface ProtocolInternals {
  authPK(username: string, key: unknown, keyAlgo?: unknown, sign?: unknown): void;
  readonly _kex: { readonly sessionID: Buffer };
  readonly _authsQueue: string[];
  readonly _packetRW: {
    write: { allocStart: number; alloc(length: number): Buffer; finalize(packet: Buffer): Buffer };
  };
}

type SignCallback = (data: Buffer, done: (signature: Buffer) => void) => void;

/**
 * Makes `client` log in with an OpenSSH user certificate. ssh2 1.x has no
 * certificate support (mscdex/ssh2#551): it names the signature after the
 * request's algorithm, and sshd wants the plain key's name there
 * (PROTOCOL.certkeys: `ssh-ed25519-cert-v01@openssh.com` in the request,
 * `ssh-ed25519` in the signature). So, on this client only, its publickey
 * request (RFC 4252 §7) is written here: the certificate as the key, and the
 * signature ssh2 makes with the certificate's private key (the `privateKey`
 * the client was given). Call right after `client.connect()`. Pinned to
 * ssh2 1.x's internals; the sshd tests (certificates int test) catch a
 * change there.
 */
export function certificateLogin(client: ssh2.Client, certificate: Buffer): void {
  const protocol = (client as unknown as { _protocol?: ProtocolInternals })._protocol;
  if (!protocol) throw new Error('certificateLogin: the client is not connecting');
  protocol.authPK = (username: string, _key: unknown, keyAlgo?: unknown, sign?: unknown) => {
    const callback = (typeof keyAlgo === 'function' ? keyAlgo : sign) as SignCallback | undefined;
    const request = (signed: boolean) =>
      Buffer.concat([
        Buffer.from([USERAUTH_REQUEST]),
        sshString(username),
        sshString('ssh-connection'),
        sshString('publickey'),
        Buffer.from([signed ? 1 : 0]),
        sshString(ED25519_CERT),
        sshString(certificate),
      ]);
    const send = (payload: Buffer) => {
      const writer = protocol._packetRW.write;
      const packet = writer.alloc(payload.length);
      payload.copy(packet, writer.allocStart);
      protocol._authsQueue.push('publickey');
      sendPacket(protocol, writer.finalize(packet));
    };
    if (!callback) return send(request(false));
    const body = request(true);
    callback(Buffer.concat([sshString(protocol._kex.sessionID), body]), (signature) =>
      send(Buffer.concat([body, sshString(Buffer.concat([sshString('ssh-ed25519'), sshString(signature)]))])),
    );
  };
}
