import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';

/**
 * The HTTP edge of the console: its cookies, its security headers and its
 * CSRF rule. Kept in one file so every console route gets the same.
 */

/**
 * `default-src 'self'` and nothing inline: scripts and styles come only
 * from the gateway's own /console/assets, so an injected tag cannot run.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

/**
 * The same policy with one addition, sent only with a page that embeds the
 * terminal player: `'wasm-unsafe-eval'` lets the page compile WebAssembly
 * (asciinema-player's terminal emulator is a wasm module inside its
 * script, served from /console/assets like the rest). It allows no
 * JavaScript eval and nothing inline; styles stay `'self'` (the player
 * sets its styles through the CSSOM, which style-src does not govern).
 */
export const PLAYER_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
  "script-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
);

export function setSecurityHeaders(response: ServerResponse, policy = CONTENT_SECURITY_POLICY): void {
  response.setHeader('content-security-policy', policy);
  response.setHeader('x-content-type-options', 'nosniff');
  response.setHeader('x-frame-options', 'DENY');
  // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on a form POST.
  response.setHeader('referrer-policy', 'same-origin');
  response.setHeader('cache-control', 'no-store');
}

/** Behind TLS (a https public URL, or a TLS socket): cookies get `Secure` and the `__Host-` prefix. */
export function isSecure(request: IncomingMessage, publicUrl: string): boolean {
  return publicUrl.startsWith('https://') || Boolean((request.socket as { encrypted?: boolean }).encrypted);
}

export const cookieNames = (secure: boolean) => ({
  session: secure ? '__Host-portcullis-console' : 'portcullis-console',
  signIn: secure ? '__Host-portcullis-sign-in' : 'portcullis-sign-in',
});

export function readCookie(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** HttpOnly, SameSite=Lax (the provider's redirect back is a top-level GET, which Lax lets through), path /. */
export function cookie(
  name: string,
  value: string,
  options: { secure: boolean; maxAgeSeconds: number },
): string {
  return [
    `${name}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}

export function appendCookie(response: ServerResponse, value: string): void {
  const existing = response.getHeader('set-cookie');
  const list = Array.isArray(existing) ? existing : existing === undefined ? [] : [String(existing)];
  response.setHeader('set-cookie', [...list, value]);
}

export type CsrfProblem = 'origin' | 'token';

/**
 * A state-changing request must come from a console page: its `Origin`
 * (when the browser sends one, which every current browser does on a POST)
 * must be the gateway's own, and it must carry the session's synchronizer
 * token (form field `csrf` or header `x-csrf-token`), compared in constant
 * time. Either failing refuses the request.
 */
export function csrfProblem(
  request: IncomingMessage,
  expectedToken: string,
  sentToken: unknown,
  publicUrl: string,
): CsrfProblem | undefined {
  const origin = request.headers.origin;
  if (origin !== undefined) {
    const own = new Set([new URL(publicUrl).origin]);
    if (request.headers.host) {
      own.add(`http://${request.headers.host}`);
      own.add(`https://${request.headers.host}`);
    }
    if (!own.has(origin)) return 'origin';
  }
  const sent = typeof sentToken === 'string' ? Buffer.from(sentToken) : Buffer.alloc(0);
  const expected = Buffer.from(expectedToken);
  if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) return 'token';
  return undefined;
}
