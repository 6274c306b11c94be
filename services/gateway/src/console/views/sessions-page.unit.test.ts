import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConsoleSession } from '../auth/console-user.js';
import type { SessionTimeline } from '../session-timeline.js';
import { html } from './html.js';
import { layout } from './layout.js';
import { sessionDetailBody, sessionsBody } from './sessions-page.js';

const person = (roles: { admin: boolean; auditor: boolean }): ConsoleSession => ({
  id: 's',
  user: {
    caller: { subject: 'olga', issuer: 'https://issuer.test', groups: [] },
    name: 'olga',
    tenantId: undefined,
    ...roles,
  },
  csrfToken: 'token-1',
  expiresAtMs: 0,
  flash: undefined,
});
const admin = person({ admin: true, auditor: false });
const auditor = person({ admin: false, auditor: true });
const approver = person({ admin: false, auditor: false });

const opened = {
  sessionId: 's1',
  identity: {
    subject: 'agent',
    issuer: 'https://issuer.test',
    kind: 'service_principal',
    groups: [],
    roles: [],
  },
  target: { name: 'prod-db', protocol: 'postgres', labels: {} },
  protocol: 'postgres',
  clientAddress: '127.0.0.1',
  policyRevision: 'rev-1',
  at: '2026-12-01T10:00:00.000Z',
} as unknown as SessionTimeline['opened'];
const live: SessionTimeline = {
  opened,
  rejected: undefined,
  closed: undefined,
  commands: [],
  recorded: false,
};
const terminated: SessionTimeline = {
  ...live,
  closed: {
    sessionId: 's1',
    reason: 'terminated',
    terminatedBy: { subject: 'olga', issuer: 'https://issuer.test' },
    terminationReason: 'incident <7>',
    bytesFromClient: 0,
    bytesToClient: 0,
    durationMs: 1000,
    commands: 0,
    at: '2026-12-01T11:00:00.000Z',
  },
};

describe('session pages', () => {
  it('offers "Terminate session" on a live session to admins only, with the form token', () => {
    const page = sessionDetailBody('s1', live, admin).text;
    assert.match(page, /<form[^>]+action="\/console\/sessions\/s1\/terminate"/);
    assert.match(page, /name="csrf" value="token-1"/);
    assert.match(page, /name="reason"/);
    assert.doesNotMatch(sessionDetailBody('s1', live, auditor).text, /Terminate session/);
    assert.doesNotMatch(sessionDetailBody('s1', terminated, admin).text, /Terminate session/);
  });

  it('shows the terminate form and the recording section together on a live session', () => {
    const page = sessionDetailBody('s1', live, admin, html`<section class="recording">rec</section>`).text;
    assert.match(
      page,
      /action="\/console\/sessions\/s1\/terminate"[\s\S]*<section class="recording">rec<\/section>/,
    );
  });

  it('shows a terminated session closed, by whom and why (escaped)', () => {
    const page = sessionDetailBody('s1', terminated, auditor).text;
    assert.match(page, /closed<\/span\s*>\s*\(terminated\)/);
    assert.match(page, /Terminated by<\/dt>[\s\S]*olga[\s\S]*incident &lt;7&gt;/);
  });

  it('shows the time filter as typed, and a problem instead of the list', () => {
    const filter = { from: '2026-12-01T10:00', range: undefined };
    const page = sessionsBody({ items: [], next: null }, filter).text;
    assert.match(page, /name="from" value="2026-12-01T10:00"/);
    assert.match(page, /<table class="sessions">/);
    const refused = sessionsBody({ problem: '"From" must be before "to".' }, filter).text;
    assert.match(refused, /role="alert"[^>]*>&quot;From&quot; must be before &quot;to&quot;./);
    assert.doesNotMatch(refused, /<table/);
  });

  it('the navigation shows Sessions to auditors and admins only', () => {
    const nav = (session: ConsoleSession) =>
      layout({
        title: 't',
        page: 'approvals',
        session,
        features: { compliance: false },
        body: html`<p>body</p>`,
      }).text;
    assert.match(nav(admin), /href="\/console\/sessions"/);
    assert.match(nav(auditor), /href="\/console\/sessions"/);
    assert.doesNotMatch(nav(approver), /href="\/console\/sessions"/);
  });
});
