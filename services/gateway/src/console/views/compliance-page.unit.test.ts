import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommandView, IdentityView } from '../../compliance/queries/compliance.views.js';
import { auditChainBody, commandsBody, identitiesBody } from './compliance-page.js';

const command = (overrides: Partial<CommandView> = {}): CommandView => ({
  position: '10/1',
  sessionId: 's-1',
  sequence: 1,
  protocol: 'postgres',
  targetName: 'prod-db',
  subject: 'agent',
  issuer: 'https://idp',
  appId: 'agent',
  tenantId: null,
  text: 'SELECT email FROM users',
  classification: { kinds: ['select'] },
  outcome: 'allow',
  reasons: [],
  policyRevision: null,
  approvalId: null,
  status: 'completed',
  statusReason: null,
  masks: [{ column: 'public.users.email', method: 'partial', count: 2 }],
  maskedValues: 2,
  rows: 2,
  durationMs: 3,
  commandTag: 'SELECT 2',
  errorCode: null,
  receivedAt: '2026-01-01T00:00:00.000Z',
  completedAt: '2026-01-01T00:00:00.003Z',
  ...overrides,
});

describe('compliance pages', () => {
  it('show masks as columns, methods and counts, and escape what a client sent', () => {
    const page = commandsBody(
      'activity',
      [command({ text: `SELECT '<img src=x onerror=alert(1)>'` })],
      null,
      {},
    ).text;
    assert.match(page, /public\.users\.email: partial × 2/);
    assert.ok(page.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(!page.includes('<img'));
  });

  it('link the CSV of the same filters (not the page cursor), and the next page with the cursor', () => {
    const page = commandsBody('denials', [command({ outcome: 'deny' })], '20/1', {
      identity: 'a b&c',
      target: 'prod-db',
    }).text;
    assert.ok(
      page.includes('href="/console/compliance/denials?identity=a+b%26c&amp;target=prod-db&amp;format=csv"'),
      page,
    );
    assert.ok(
      page.includes(
        'href="/console/compliance/denials?identity=a+b%26c&amp;target=prod-db&amp;cursor=20%2F1"',
      ),
    );
    assert.match(page, /<caption>\s*Denied commands, oldest first\s*<\/caption>/);
  });

  it('link each identity to its activity', () => {
    const identity: IdentityView = {
      issuer: 'https://idp',
      subject: 'svc/one',
      appId: null,
      tenantId: null,
      identityKind: null,
      sessions: 1,
      sessionsRejected: 0,
      commands: 1,
      denials: 0,
      reviews: 0,
      maskedValues: 0,
      firstSeen: '2026-01-01T00:00:00.000Z',
      lastSeen: '2026-01-01T00:00:00.000Z',
      targets: [],
    };
    assert.ok(
      identitiesBody([identity], null, {}).text.includes(
        'href="/console/compliance/activity?identity=svc%2Fone"',
      ),
    );
  });

  it('say when there is no anchor, no walk yet, and when a walk stopped at its bound', () => {
    const none = auditChainBody(undefined, undefined, false, 1000, 'token').text;
    assert.match(none, /No signed anchor is in the store yet/);
    assert.match(none, /has not been verified from this console/);
    assert.match(none, /name="csrf" value="token"/);
    const partial = auditChainBody(
      undefined,
      { at: '2026-01-01T00:00:00.000Z', by: 'audrey', events: 1000, streams: 3, partial: true, breaks: [] },
      false,
      1000,
      'token',
    ).text;
    assert.match(partial, /No break found in the part checked/);
    assert.match(partial, /stopped at the bound of 1,000 events: the rest was not checked/);
    const broken = auditChainBody(
      undefined,
      {
        at: '2026-01-01T00:00:00.000Z',
        by: 'audrey',
        events: 8,
        streams: 2,
        partial: false,
        breaks: [{ streamName: 'session-b', revision: 2, problem: 'hash_mismatch' }],
      },
      false,
      1000,
      'token',
    ).text;
    assert.match(broken, /BROKEN: 1 broken streams/);
    assert.match(broken, /<code>session-b<\/code> at revision 2: hash_mismatch/);
  });
});
