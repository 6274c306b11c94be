import { isIP } from 'node:net';

/**
 * Whether a listen address is this machine's loopback. Both proxies refuse
 * any other address until clients reach them over TLS: one rule, so the two
 * cannot disagree about what "loopback" means.
 */
export function isLoopbackAddress(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  const v4 = host.startsWith('::ffff:') ? host.slice('::ffff:'.length) : host;
  return isIP(v4) === 4 && v4.startsWith('127.');
}
