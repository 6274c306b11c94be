import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, isPortcullisError } from '@portcullis/events';
import type { Logger } from 'pino';
import { roleRefusal, type CallerRole } from '../auth/api-caller-auth.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import { GATEWAY_CONFIG, LOGGER } from '../tokens.js';
import { cookieNames, csrfProblem, isSecure, readCookie, setSecurityHeaders } from './auth/console-http.js';
import { ConsoleSessionStore } from './auth/console-session-store.js';
import type { ConsoleSession } from './auth/console-user.js';
import { CONSOLE_FEATURES } from './console-features.js';
import { html, type Html } from './views/html.js';
import { layout, type ConsolePage } from './views/layout.js';
import { messageBody } from './views/simple-pages.js';

export type ConsoleRequest = IncomingMessage & { url: string; body?: unknown };

/**
 * What every console controller does the same way: find the signed-in
 * session (or send the person to sign in), refuse a person without the
 * page's role, refuse a state change without the CSRF token, turn errors
 * into a page, and render a page in the layout. One copy, for ConsoleController and the controllers beside it.
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

  /**
   * The API's group rule (roleRefusal, with the console's roles from
   * console-roles.ts) on the identity verified at sign-in: true, after a
   * 403 page saying why (`data-reason`: `not_an_<roles>` or
   * `no_<roles>_groups`), when the person has none of `roles`.
   */
  refusedRole(
    res: ServerResponse,
    session: ConsoleSession,
    roles: readonly [CallerRole, ...CallerRole[]],
  ): boolean {
    const what = roles[0].what;
    const refusal = roleRefusal(session.user.caller.groups, roles, what);
    if (!refusal) return false;
    const reason = String(refusal.details.reason);
    this.log.warn(
      { subject: session.user.caller.subject, issuer: session.user.caller.issuer, reason, what },
      'console: refused by role',
    );
    this.render(
      res,
      403,
      'error',
      'Not allowed',
      session,
      html`<p role="alert" data-reason="${reason}">You may not use ${what}: ${refusal.message}.</p>
        <p>Your groups are read when you sign in: after a change, sign out and in again.</p>
        <p><a href="/console/approvals">Back to approvals</a></p>`,
    );
    return true;
  }

  refusedAsCsrf(req: ConsoleRequest, res: ServerResponse, session: ConsoleSession): boolean {
    const sent = formOf(req.body).csrf ?? req.headers['x-csrf-token'];
    const problem = csrfProblem(req, session.csrfToken, sent, this.config.approvals.publicUrl);
    if (!problem) return false;
    this.log.warn(
      { subject: session.user.caller.subject, path: req.url, problem },
      'console: request refused (CSRF)',
    );
    this.render(
      res,
      403,
      'error',
      'Request refused',
      session,
      messageBody(
        problem === 'origin'
          ? 'This request came from another site, so it was refused.'
          : 'This request did not carry the form token of your console session, so it was refused. Reload the page and try again.',
        { href: '/console/approvals', label: 'Back to approvals' },
      ),
    );
    return true;
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
            : error.code === ErrorCode.Validation
              ? 400
              : 500;
      if (status === 500) this.log.error({ err: error }, 'console: page failed');
      if (res.headersSent) return void res.end();
      this.render(
        res,
        status,
        'error',
        status === 400 ? 'Not understood' : 'Something went wrong',
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

/** The text fields of a submitted form (urlencoded, parsed by the HTTP layer); anything else is absent. */
export function formOf(body: unknown): {
  csrf?: string;
  decision?: string;
  comment?: string;
  reason?: string;
} {
  if (typeof body !== 'object' || body === null) return {};
  const pick = (key: string) => {
    const value = (body as Record<string, unknown>)[key];
    return typeof value === 'string' ? value : undefined;
  };
  return { csrf: pick('csrf'), decision: pick('decision'), comment: pick('comment'), reason: pick('reason') };
}
