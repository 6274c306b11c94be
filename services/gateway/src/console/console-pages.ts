import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, isPortcullisError } from '@portcullis/events';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/gateway-config.js';
import { GATEWAY_CONFIG, LOGGER } from '../tokens.js';
import { cookieNames, isSecure, readCookie, setSecurityHeaders } from './auth/console-http.js';
import { ConsoleSessionStore } from './auth/console-session-store.js';
import type { ConsoleSession } from './auth/console-user.js';
import { CONSOLE_FEATURES } from './console-features.js';
import type { Html } from './views/html.js';
import { layout, type ConsolePage } from './views/layout.js';
import { messageBody } from './views/simple-pages.js';

export type ConsoleRequest = IncomingMessage & { url: string; body?: unknown };

/**
 * What every console controller needs to answer a page: who is signed in
 * (the session cookie), a redirect to sign-in, errors as an HTML page, and
 * the page in the console's layout with its security headers.
 */
@Injectable()
export class ConsolePages {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly sessions: ConsoleSessionStore,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  session(req: ConsoleRequest): ConsoleSession | undefined {
    const secure = isSecure(req, this.config.approvals.publicUrl);
    return this.sessions.get(readCookie(req, cookieNames(secure).session));
  }

  /** The signed-in session, or a redirect to sign-in (and back here after). */
  signedIn(req: ConsoleRequest, res: ServerResponse): ConsoleSession | undefined {
    const session = this.session(req);
    if (!session) redirect(res, `/console/sign-in?next=${encodeURIComponent(req.url)}`);
    return session;
  }

  /** Errors become an HTML page here (the API's problem filter answers JSON). */
  async guard(
    res: ServerResponse,
    session: ConsoleSession | undefined,
    work: () => Promise<void>,
  ): Promise<void> {
    try {
      await work();
    } catch (error) {
      const status = !isPortcullisError(error)
        ? 500
        : error.code === ErrorCode.NotFound
          ? 404
          : error.code === ErrorCode.Unavailable
            ? 503
            : 500;
      if (status === 500) this.log.error({ err: error }, 'console: page failed');
      if (res.headersSent) return void res.end();
      this.render(
        res,
        status,
        'error',
        'Something went wrong',
        session,
        messageBody(status === 500 ? 'The console could not answer this request.' : (error as Error).message),
      );
    }
  }

  /** `policy`: a Content-Security-Policy other than the console's default (console-http.ts). */
  render(
    res: ServerResponse,
    status: number,
    page: ConsolePage,
    title: string,
    session: ConsoleSession | undefined,
    body: Html,
    flash?: ConsoleSession['flash'],
    policy?: string,
  ): void {
    send(
      res,
      status,
      'text/html; charset=utf-8',
      layout({ title, page, session, features: CONSOLE_FEATURES, body, flash }).text,
      policy,
    );
  }
}

export function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  policy?: string,
): void {
  setSecurityHeaders(res, policy);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function redirect(res: ServerResponse, location: string, status = 303): void {
  setSecurityHeaders(res);
  res.writeHead(status, { location });
  res.end();
}
