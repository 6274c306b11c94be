import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { Controller, Get, Inject, Param, Post, Req, Res, type OnModuleDestroy } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiExcludeController } from '@nestjs/swagger';
import { ValidationError, type ApprovalRefusalReason } from '@portcullis/events';
import type { Logger } from 'pino';
import { AccessRefusedError } from '../access/access-refused.error.js';
import { operatorOf, parseBody } from '../access/admin-request.js';
import { DEFAULT_TERMINATION_REASON, TerminateSessionCommand } from '../access/commands/access-commands.js';
import { DecideApprovalCommand } from '../approvals/commands/approval-commands.js';
import { ApprovalRefusedError } from '../approvals/commands/approval-refused.error.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import { GATEWAY_CONFIG, LOGGER } from '../tokens.js';
import {
  appendCookie,
  cookie,
  cookieNames,
  isSecure,
  readCookie,
  setSecurityHeaders,
} from './auth/console-http.js';
import { sessionReaderRoles, terminatorRoles } from './auth/console-roles.js';
import { ConsoleSessionStore } from './auth/console-session-store.js';
import { ConsoleSignIn, SignInFailedError } from './auth/console-sign-in.js';
import type { ConsoleSession } from './auth/console-user.js';
import { ConsolePages, formOf, redirect, send, type ConsoleRequest } from './console-pages.js';
import { ConsoleReads } from './console-reads.js';
import { sessionWindow } from './session-window.js';
import { ApprovalChanges } from './live/approval-changes.js';
import { recordingSection } from './recording/recording-section.js';
import { approvalCard, approvalsBody } from './views/approvals-page.js';
import { CONSOLE_CSS } from './views/console-css.js';
import { sessionDetailBody, sessionsBody, type SessionFilter } from './views/sessions-page.js';
import { messageBody, signInBody } from './views/simple-pages.js';

type Request = ConsoleRequest;

const KEEPALIVE_MS = 15_000;
const SESSION_STATUSES = ['open', 'closed', 'rejected'] as const;

/** What a refused decision tells the person, by the approval's own refusal reason. */
const REFUSALS: Record<ApprovalRefusalReason, string> = {
  self_approval:
    'You cannot decide this request: you are its requester, and a requester never approves their own request.',
  not_an_approver: 'You cannot decide this request: you are not one of its approvers.',
  expired: 'Too late: this request expired before your decision.',
  already_decided: 'This request has already been decided.',
  unknown_approval: 'There is no such approval request.',
};

const CLIENT_SCRIPT = new URL('./client/console.js', import.meta.url);

/**
 * The web console at /console: server-rendered pages, one script for live
 * updates, sign-in with the organisation's OIDC provider. Every decision
 * goes through the same command handler as the REST API
 * (DecideApprovalCommand), with the identity verified at sign-in, so the
 * approval rules (approver groups, no self-approval, expiry) are the
 * approval aggregate's, decided in one place.
 */
@ApiExcludeController()
@Controller('console')
export class ConsoleController implements OnModuleDestroy {
  private readonly open = new Set<() => void>();
  private script: Promise<string> | undefined;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly sessions: ConsoleSessionStore,
    private readonly signIn: ConsoleSignIn,
    private readonly reads: ConsoleReads,
    private readonly commands: CommandBus,
    private readonly changes: ApprovalChanges,
    private readonly pages: ConsolePages,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  @Get()
  home(@Res() res: ServerResponse): void {
    redirect(res, '/console/approvals');
  }

  @Get('assets/console.css')
  css(@Res() res: ServerResponse): void {
    send(res, 200, 'text/css; charset=utf-8', CONSOLE_CSS);
  }

  @Get('assets/console.js')
  async js(@Res() res: ServerResponse): Promise<void> {
    this.script ??= readFile(CLIENT_SCRIPT, 'utf8');
    send(res, 200, 'text/javascript; charset=utf-8', await this.script);
  }

  @Get('sign-in')
  signInPage(@Req() req: Request, @Res() res: ServerResponse): void {
    const session = this.pages.session(req);
    if (session) return redirect(res, returnPath(req));
    this.pages.render(
      res,
      200,
      'sign-in',
      'Sign in',
      undefined,
      signInBody(this.signIn.issuers, returnPath(req)),
    );
  }

  @Get('sign-in/:index')
  async startSignIn(
    @Param('index') index: string,
    @Req() req: Request,
    @Res() res: ServerResponse,
  ): Promise<void> {
    await this.pages.guard(res, undefined, async () => {
      const { url, signInId } = await this.signIn.start(Number(index), returnPath(req));
      const secure = isSecure(req, this.config.approvals.publicUrl);
      appendCookie(res, cookie(cookieNames(secure).signIn, signInId, { secure, maxAgeSeconds: 600 }));
      redirect(res, url.href, 302);
    });
  }

  @Get('callback')
  async callback(@Req() req: Request, @Res() res: ServerResponse): Promise<void> {
    const secure = isSecure(req, this.config.approvals.publicUrl);
    const names = cookieNames(secure);
    const pending = this.sessions.takeSignIn(readCookie(req, names.signIn));
    appendCookie(res, cookie(names.signIn, '', { secure, maxAgeSeconds: 0 }));
    const again = { href: '/console/sign-in', label: 'Sign in again' };
    if (!pending) {
      return this.pages.render(
        res,
        400,
        'error',
        'Sign-in failed',
        undefined,
        messageBody('This sign-in expired or was not started here.', again),
      );
    }
    try {
      const session = await this.signIn.finish(pending, req.url);
      appendCookie(
        res,
        cookie(names.session, session.id, {
          secure,
          maxAgeSeconds: (session.expiresAtMs - Date.now()) / 1000,
        }),
      );
      redirect(res, pending.returnTo);
    } catch (error) {
      const why = error instanceof SignInFailedError ? error.why : (error as Error).message;
      this.log.warn({ why }, 'console: sign-in failed');
      this.pages.render(
        res,
        401,
        'error',
        'Sign-in failed',
        undefined,
        messageBody('The sign-in could not be completed.', again),
      );
    }
  }

  @Post('sign-out')
  signOut(@Req() req: Request, @Res() res: ServerResponse): void {
    const session = this.pages.session(req);
    if (session && !this.pages.refusedAsCsrf(req, res, session)) {
      this.sessions.delete(session.id);
      const secure = isSecure(req, this.config.approvals.publicUrl);
      appendCookie(res, cookie(cookieNames(secure).session, '', { secure, maxAgeSeconds: 0 }));
      this.pages.render(
        res,
        200,
        'sign-in',
        'Signed out',
        undefined,
        messageBody('You are signed out of the console.', { href: '/console/sign-in', label: 'Sign in' }),
      );
    } else if (!session) redirect(res, '/console/sign-in');
  }

  @Get('approvals')
  async approvals(@Req() req: Request, @Res() res: ServerResponse): Promise<void> {
    const session = this.pages.signedIn(req, res);
    if (!session) return;
    await this.pages.guard(res, session, async () => {
      const { pending, decided } = await this.reads.inbox();
      const flash = session.flash;
      session.flash = undefined;
      this.pages.render(
        res,
        200,
        'approvals',
        'Approvals',
        session,
        approvalsBody(pending, decided, session),
        flash,
      );
    });
  }

  @Post('approvals/:id/decide')
  async decide(@Param('id') id: string, @Req() req: Request, @Res() res: ServerResponse): Promise<void> {
    const session = this.pages.signedIn(req, res);
    if (!session || this.pages.refusedAsCsrf(req, res, session)) return;
    const body = formOf(req.body);
    const decision = body.decision;
    const comment = body.comment?.trim() ? body.comment.trim() : undefined;
    if ((decision !== 'grant' && decision !== 'deny') || (comment !== undefined && comment.length > 1000)) {
      return this.pages.render(
        res,
        400,
        'error',
        'Not understood',
        session,
        messageBody('A decision is grant or deny, with a comment of at most 1000 characters.', {
          href: '/console/approvals',
          label: 'Back to approvals',
        }),
      );
    }
    await this.pages.guard(res, session, async () => {
      try {
        const result = await this.commands.execute(
          new DecideApprovalCommand(id, decision, session.user.caller, comment),
        );
        session.flash = {
          kind: 'ok',
          approvalId: id,
          text:
            decision === 'deny'
              ? 'Denied. The requester is told so.'
              : result.status === 'granted'
                ? 'Granted. The statement goes ahead.'
                : `Your grant is recorded: ${result.grants} of ${result.minApprovals} approvals.`,
        };
      } catch (error) {
        if (!(error instanceof ApprovalRefusedError)) throw error;
        session.flash = {
          kind: 'refused',
          approvalId: id,
          text: `${REFUSALS[error.reason]} (${error.message})`,
        };
      }
      redirect(res, `/console/approvals#approval-${encodeURIComponent(id)}`);
    });
  }

  /** Approval changes as Server-Sent Events: each carries the card rendered for this person. */
  @Get('events')
  events(@Req() req: Request, @Res() res: ServerResponse): void {
    const session = this.pages.session(req);
    if (!session) return send(res, 401, 'text/plain; charset=utf-8', 'sign in first\n');
    setSecurityHeaders(res);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    let ended = false;
    // One change after the other, so this stream never sends an older state after a newer one.
    let sending = Promise.resolve();
    const subscription = this.changes.changes$.subscribe((change) => {
      sending = sending
        .then(async () => {
          const card = await this.reads.card(change.approvalId);
          if (!card || ended) return;
          const { view } = card;
          const message = {
            approvalId: view.approvalId,
            status: view.status,
            html: approvalCard(card, session).text,
            summary: `${view.requesterSubject} on ${view.targetName}: ${view.text.slice(0, 120)}`,
          };
          res.write(`event: approval\ndata: ${JSON.stringify(message)}\n\n`);
        })
        .catch((error: unknown) => this.log.error({ err: error }, 'console: live update failed'));
    });
    const keepalive = setInterval(() => {
      if (this.sessions.get(session.id)) res.write(': keepalive\n\n');
      else {
        res.write('event: signed-out\ndata: {}\n\n');
        end();
      }
    }, KEEPALIVE_MS);
    const end = () => {
      if (ended) return;
      ended = true;
      subscription.unsubscribe();
      clearInterval(keepalive);
      this.open.delete(end);
      res.end();
    };
    this.open.add(end);
    res.once('close', end);
  }

  @Get('sessions')
  async sessionsPage(@Req() req: Request, @Res() res: ServerResponse): Promise<void> {
    const session = this.pages.signedIn(req, res);
    if (!session || this.pages.refusedRole(res, session, sessionReaderRoles(this.config.console))) return;
    const query = new URL(req.url, 'http://console').searchParams;
    const given = (name: string) => query.get(name)?.trim() || undefined;
    const status = given('status');
    const filter: SessionFilter = {
      identity: given('identity'),
      target: given('target'),
      status: SESSION_STATUSES.find((s) => s === status),
      from: given('from'),
      to: given('to'),
      range: given('range'),
    };
    const window = sessionWindow(filter, Date.now());
    if (!window.ok) {
      return this.pages.render(
        res,
        400,
        'sessions',
        'Sessions',
        session,
        sessionsBody({ problem: window.problem }, filter),
      );
    }
    await this.pages.guard(res, session, async () => {
      const page = await this.reads.sessions({
        ...filter,
        liveFrom: window.from,
        liveTo: window.to,
        before: given('before'),
      });
      this.pages.render(res, 200, 'sessions', 'Sessions', session, sessionsBody(page, filter));
    });
  }

  @Get('sessions/:id')
  async sessionPage(@Param('id') id: string, @Req() req: Request, @Res() res: ServerResponse): Promise<void> {
    const session = this.pages.signedIn(req, res);
    if (!session || this.pages.refusedRole(res, session, sessionReaderRoles(this.config.console))) return;
    await this.pages.guard(res, session, async () => {
      const timeline = await this.reads.session(id);
      if (!timeline) return this.noSuchSession(res, session, id);
      const flash = session.flash;
      session.flash = undefined;
      const recording = recordingSection(id, timeline);
      this.pages.render(
        res,
        200,
        'sessions',
        'Session',
        session,
        sessionDetailBody(id, timeline, session, recording.body),
        flash,
        recording.policy,
      );
    });
  }

  /**
   * Ends a live session, for console admins: the same command and handler
   * as `POST /api/sessions/:id/terminate` (the instance holding the session
   * ends it), CSRF-checked like every form. Post/redirect/get back to the
   * session's page, with a notice of what happened.
   */
  @Post('sessions/:id/terminate')
  async terminate(@Param('id') id: string, @Req() req: Request, @Res() res: ServerResponse): Promise<void> {
    const session = this.pages.signedIn(req, res);
    if (!session || this.pages.refusedAsCsrf(req, res, session)) return;
    if (this.pages.refusedRole(res, session, terminatorRoles(this.config.console))) return;
    const back = { href: `/console/sessions/${encodeURIComponent(id)}`, label: 'Back to the session' };
    const typed = formOf(req.body).reason?.trim();
    let reason: string | undefined;
    try {
      ({ reason } = parseBody(typed ? { reason: typed } : {}, { reason: 'string' }));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const text = `The reason ${error.problems.map((p) => p.message).join('; ')}.`;
      return this.pages.render(res, 400, 'error', 'Not understood', session, messageBody(text, back));
    }
    await this.pages.guard(res, session, async () => {
      try {
        await this.commands.execute(
          new TerminateSessionCommand(
            id,
            operatorOf(session.user.caller),
            reason ?? DEFAULT_TERMINATION_REASON,
          ),
        );
        session.flash = {
          kind: 'ok',
          text: 'Termination requested: the gateway instance holding the session ends it within a second.',
        };
      } catch (error) {
        if (!(error instanceof AccessRefusedError)) throw error;
        if (error.reason === 'unknown_session') return this.noSuchSession(res, session, id);
        session.flash = { kind: 'refused', text: `Not terminated: ${error.message}.` };
      }
      redirect(res, back.href);
    });
  }

  /** Open streams end before the HTTP server closes, or it would wait for them. */
  onModuleDestroy(): void {
    for (const end of [...this.open]) end();
  }

  private noSuchSession(res: ServerResponse, session: ConsoleSession, id: string): void {
    this.pages.render(
      res,
      404,
      'sessions',
      'No such session',
      session,
      messageBody(`There is no session ${id}.`, { href: '/console/sessions', label: 'All sessions' }),
    );
  }
}

/** Where to go after sign-in: only a console path (never another site: no open redirect). */
function returnPath(req: Request): string {
  const next = new URL(req.url, 'http://console').searchParams.get('next');
  return next && /^\/console(\/[^\\]*)?$/.test(next) && !next.startsWith('//') ? next : '/console/approvals';
}
