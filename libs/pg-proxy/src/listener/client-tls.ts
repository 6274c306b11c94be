import { createSecureContext } from 'node:tls';
import { isLoopbackAddress } from '@portcullis/session';
import type { ClientTls } from '../connection/negotiate.js';
import type { PgProxyOptions } from './proxy-options.js';

export type { ClientTlsOptions } from './proxy-options.js';

/**
 * The listener's TLS, checked once at start: a key that does not load or
 * does not match its certificate stops the proxy from starting. Without TLS a
 * listener must be on loopback (clients send their token as a password).
 * Throws an Error whose message says what is wrong.
 */
export function clientTls(options: Pick<PgProxyOptions, 'listen' | 'tls'>): ClientTls | undefined {
  const loopback = isLoopbackAddress(options.listen.host);
  if (!options.tls) {
    if (!loopback) {
      throw new Error(
        `refusing to listen on ${options.listen.host} without TLS: clients send their token as a password; configure tls (certificate and key) or listen on a loopback address`,
      );
    }
    return undefined;
  }
  const required = options.tls.required ?? !loopback;
  if (!required && !loopback) {
    throw new Error(
      `refusing to accept plaintext tokens on ${options.listen.host}: tls.required must not be false off loopback`,
    );
  }
  try {
    const context = createSecureContext({
      cert: options.tls.cert,
      key: options.tls.key,
      minVersion: 'TLSv1.2',
    });
    return { context, required };
  } catch (error) {
    throw new Error(`tls: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
