import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { type Duplex } from 'node:stream';
import { frontend } from '../protocol/index.js';
import { UpstreamConnectionError } from './upstream-errors.js';

export interface UpstreamTlsOptions extends Omit<ConnectionOptions, 'socket'> {
  /**
   * `require`: refuse a server that answers N (the default: anything else
   * lets an attacker on the path downgrade us to plaintext);
   * `prefer`: carry on in plaintext when the server declines.
   */
  mode?: 'require' | 'prefer';
}

const ANSWER_ACCEPT = 0x53; // S
const ANSWER_DECLINE = 0x4e; // N

/**
 * Sends SSLRequest and upgrades the socket when the server answers S.
 * Certificates are verified unless the options say otherwise (Node's default).
 */
export async function negotiateTls(
  socket: Duplex,
  options: UpstreamTlsOptions,
  timeoutMs: number,
): Promise<Duplex> {
  socket.write(frontend.sslRequest());
  const answer = await readAnswerByte(socket, timeoutMs);
  if (answer === ANSWER_DECLINE) {
    if ((options.mode ?? 'require') === 'require') {
      throw new UpstreamConnectionError('the server does not accept TLS, and TLS is required');
    }
    return socket;
  }
  if (answer !== ANSWER_ACCEPT) {
    throw new UpstreamConnectionError(`unexpected answer 0x${answer.toString(16)} to SSLRequest`);
  }
  return upgrade(socket, options, timeoutMs);
}

function readAnswerByte(socket: Duplex, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | undefined, answer?: number) => {
      clearTimeout(timer);
      socket.off('data', onData).off('error', onError).off('close', onClose);
      socket.pause();
      if (error) reject(error);
      else resolve(answer!);
    };
    const onData = (chunk: Buffer) => {
      // Anything beyond the one answer byte arrived before the handshake, so it
      // was not protected by it; taking it as part of the session would let a
      // man in the middle inject messages (CVE-2021-23222).
      if (chunk.length !== 1)
        done(new UpstreamConnectionError('unencrypted data after the SSLRequest answer'));
      else done(undefined, chunk[0]);
    };
    const onError = (error: Error) => done(new UpstreamConnectionError(error.message, { cause: error }));
    const onClose = () =>
      done(new UpstreamConnectionError('the server closed the connection during SSLRequest'));
    const timer = setTimeout(
      () => done(new UpstreamConnectionError(`no answer to SSLRequest within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('data', onData).on('error', onError).on('close', onClose);
    socket.resume();
  });
}

function upgrade(socket: Duplex, options: UpstreamTlsOptions, timeoutMs: number): Promise<TLSSocket> {
  const { mode: _mode, ...tlsOptions } = options;
  return new Promise((resolve, reject) => {
    const secure = connect({ ...tlsOptions, socket });
    const timer = setTimeout(() => {
      secure.destroy();
      reject(new UpstreamConnectionError(`TLS handshake did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    secure.once('secureConnect', () => {
      clearTimeout(timer);
      secure.off('error', onError);
      resolve(secure);
    });
    const onError = (error: Error) => {
      clearTimeout(timer);
      reject(new UpstreamConnectionError(`TLS handshake failed: ${error.message}`, { cause: error }));
    };
    secure.once('error', onError);
  });
}
