import type { AuditAnchorSignedData } from '@portcullis/events';
import type {
  ApprovalServiceLevelView,
  CommandView,
  IdentityView,
  SensitiveAccessView,
} from '../../compliance/queries/compliance.views.js';
import { html, type Html } from './html.js';

/** The Compliance pages, each a view of one compliance report (compliance-reports.ts). */
export type ComplianceView =
  'overview' | 'identities' | 'activity' | 'denials' | 'sensitive-access' | 'approval-service-levels';

export const COMPLIANCE_VIEWS: readonly { view: Exclude<ComplianceView, 'overview'>; label: string }[] = [
  { view: 'identities', label: 'Identities' },
  { view: 'activity', label: 'Activity' },
  { view: 'denials', label: 'Denials' },
  { view: 'sensitive-access', label: 'Sensitive access' },
  { view: 'approval-service-levels', label: 'Approval service levels' },
];

/** The filters a view's form shows, by name (as the REST endpoint takes them). */
const FILTERS: Record<Exclude<ComplianceView, 'overview'>, readonly string[]> = {
  identities: ['identity', 'target', 'from', 'to'],
  activity: ['identity', 'target', 'from', 'to'],
  denials: ['identity', 'target', 'from', 'to'],
  'sensitive-access': ['identity', 'target', 'column', 'from', 'to'],
  'approval-service-levels': ['target', 'group', 'from', 'to'],
};

const FILTER_LABELS: Record<string, string> = {
  identity: 'Identity (subject or app id)',
  target: 'Target',
  column: 'Column (schema.table.column)',
  group: 'Approver group',
  from: 'From (ISO 8601)',
  to: 'To (ISO 8601, exclusive)',
};

export type ComplianceFilters = Readonly<Record<string, string | undefined>>;

/** The compliance sub-navigation: every view, the current one marked. */
export function complianceNav(current: ComplianceView): Html {
  const item = (view: ComplianceView, label: string) =>
    html`<li>
      <a
        href="/console/compliance${view === 'overview' ? '' : `/${view}`}"
        ${current === view ? html` aria-current="page"` : ''}
        >${label}</a
      >
    </li>`;
  return html`<nav class="subnav" aria-label="Compliance views">
    <ul>
      ${item('overview', 'Audit chain')}${COMPLIANCE_VIEWS.map((v) => item(v.view, v.label))}
    </ul>
  </nav>`;
}

/** The filter form of a view, and its CSV link (the same filters, `format=csv`). */
function filtersAndCsv(view: Exclude<ComplianceView, 'overview'>, filters: ComplianceFilters): Html {
  const label = COMPLIANCE_VIEWS.find((v) => v.view === view)!.label;
  return html`<form
      class="filters"
      method="get"
      action="/console/compliance/${view}"
      role="search"
      aria-label="Filter ${label.toLowerCase()}"
    >
      ${FILTERS[view].map(
        (name) =>
          html`<label>${FILTER_LABELS[name]} <input name="${name}" value="${filters[name] ?? ''}" /></label>`,
      )}
      <button type="submit">Filter</button>
    </form>
    <p>
      <a class="button csv" href="/console/compliance/${view}?${query(filters, { format: 'csv' })}"
        >Download CSV<span class="visually-hidden"> of ${label.toLowerCase()}</span></a
      >
      <span class="hint">Every row matching the filters, as the REST API's CSV.</span>
    </p>`;
}

function query(filters: ComplianceFilters, extra: Record<string, string>): string {
  return new URLSearchParams(
    Object.entries({ ...filters, ...extra }).filter(
      (e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '',
    ),
  ).toString();
}

function nextLink(view: string, filters: ComplianceFilters, next: string | null): Html | string {
  return next
    ? html`<p><a href="/console/compliance/${view}?${query(filters, { cursor: next })}">Next page</a></p>`
    : '';
}

const dash = (value: string | number | null | undefined) =>
  value === null || value === undefined || value === '' ? '—' : value;

function who(subject: string | null, appId: string | null): Html {
  return html`${dash(subject)}${appId && appId !== subject ? html`<br /><span class="muted">app ${appId}</span>` : ''}`;
}

const time = (at: string) => html`<time datetime="${at}">${at}</time>`;

export function identitiesBody(
  items: readonly IdentityView[],
  next: string | null,
  filters: ComplianceFilters,
): Html {
  return html`${filtersAndCsv('identities', filters)}
    <div class="table-scroll" role="region" aria-label="identities table" tabindex="0">
      <table class="compliance identities">
        <caption>
          Identities and what they did${items.length ? '' : ': none match'}
        </caption>
        <thead>
          <tr>
            <th scope="col">Identity</th>
            <th scope="col">Kind</th>
            <th scope="col">Sessions</th>
            <th scope="col">Refused sessions</th>
            <th scope="col">Commands</th>
            <th scope="col">Denials</th>
            <th scope="col">Reviews</th>
            <th scope="col">Masked values</th>
            <th scope="col">Targets</th>
            <th scope="col">Last seen</th>
            <th scope="col"><span class="visually-hidden">Activity</span></th>
          </tr>
        </thead>
        <tbody>
          ${items.map(
            (i) =>
              html`<tr data-subject="${i.subject}">
                <th scope="row">${who(i.subject, i.appId)}<br /><span class="muted">${i.issuer}</span></th>
                <td>${dash(i.identityKind)}</td>
                <td>${i.sessions}</td>
                <td>${i.sessionsRejected}</td>
                <td>${i.commands}</td>
                <td>${i.denials}</td>
                <td>${i.reviews}</td>
                <td>${i.maskedValues}</td>
                <td>${i.targets.map((t) => t.targetName).join(', ') || '—'}</td>
                <td>${time(i.lastSeen)}</td>
                <td>
                  <a href="/console/compliance/activity?${query({ identity: i.subject }, {})}"
                    >Activity<span class="visually-hidden"> of ${i.subject}</span></a
                  >
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${nextLink('identities', filters, next)}`;
}

/** Activity (every command) or denials (outcome deny): the commands read model. */
export function commandsBody(
  view: 'activity' | 'denials',
  items: readonly CommandView[],
  next: string | null,
  filters: ComplianceFilters,
): Html {
  const caption =
    view === 'denials'
      ? 'Denied commands, oldest first'
      : `Commands${filters.identity ? ` of ${filters.identity}` : ''}, oldest first`;
  return html`${filtersAndCsv(view, filters)}
    <div class="table-scroll" role="region" aria-label="commands table" tabindex="0">
      <table class="compliance commands">
        <caption>
          ${caption}${items.length ? '' : ': none match'}
        </caption>
        <thead>
          <tr>
            <th scope="col">Received</th>
            <th scope="col">Identity</th>
            <th scope="col">Target</th>
            <th scope="col">Statement</th>
            <th scope="col">Outcome</th>
            <th scope="col">Reasons</th>
            <th scope="col">Status</th>
            <th scope="col">Masks (columns and counts)</th>
            <th scope="col">Rows</th>
            <th scope="col"><span class="visually-hidden">Session</span></th>
          </tr>
        </thead>
        <tbody>
          ${items.map(
            (c) =>
              html`<tr data-position="${c.position}">
                <td>${time(c.receivedAt)}</td>
                <td>${who(c.subject, c.appId)}</td>
                <td>${dash(c.targetName)} <span class="muted">${c.protocol}</span></td>
                <td><code>${c.text}</code></td>
                <td>${c.outcome ? html`<span class="badge badge-${c.outcome}">${c.outcome}</span>` : '—'}</td>
                <td class="reasons-cell">${c.reasons.join('; ') || '—'}</td>
                <td>
                  <span class="badge badge-${c.status}">${c.status}</span
                  >${c.statusReason ? html`<br /><span class="muted">${c.statusReason}</span>` : ''}
                </td>
                <td>
                  ${
                    c.masks.length
                      ? html`<ul class="plain">
                          ${c.masks.map((m) => html`<li>${m.column}: ${m.method} × ${m.count}</li>`)}
                        </ul>`
                      : '—'
                  }
                </td>
                <td>${dash(c.rows)}</td>
                <td>
                  <a href="/console/sessions/${c.sessionId}"
                    >Session<span class="visually-hidden"> ${c.sessionId}</span></a
                  >
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${nextLink(view, filters, next)}`;
}

export function sensitiveAccessBody(
  items: readonly SensitiveAccessView[],
  next: string | null,
  filters: ComplianceFilters,
): Html {
  return html`${filtersAndCsv('sensitive-access', filters)}
    <div class="table-scroll" role="region" aria-label="sensitive access table" tabindex="0">
      <table class="compliance sensitive-access">
        <caption>
          Sensitive columns read, with how many values were masked (never the
          values)${items.length ? '' : ': none match'}
        </caption>
        <thead>
          <tr>
            <th scope="col">Accessed</th>
            <th scope="col">Identity</th>
            <th scope="col">Target</th>
            <th scope="col">Column</th>
            <th scope="col">Method</th>
            <th scope="col">Rule</th>
            <th scope="col">Detector</th>
            <th scope="col">Values masked</th>
            <th scope="col"><span class="visually-hidden">Session</span></th>
          </tr>
        </thead>
        <tbody>
          ${items.map(
            (a) =>
              html`<tr data-column="${a.column}">
                <td>${time(a.accessedAt)}</td>
                <td>${who(a.subject, a.appId)}</td>
                <td>${dash(a.targetName)}</td>
                <td><code>${a.column}</code></td>
                <td>${a.method}</td>
                <td>${dash(a.rule)}</td>
                <td>${dash(a.detector)}</td>
                <td>${a.count}</td>
                <td>
                  <a href="/console/sessions/${a.sessionId}"
                    >Session<span class="visually-hidden"> ${a.sessionId}</span></a
                  >
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${nextLink('sensitive-access', filters, next)}`;
}

const ms = (value: number | null) => (value === null ? '—' : `${Math.round(value)} ms`);

export function serviceLevelsBody(
  items: readonly ApprovalServiceLevelView[],
  filters: ComplianceFilters,
): Html {
  return html`${filtersAndCsv('approval-service-levels', filters)}
    <div class="table-scroll" role="region" aria-label="service levels table" tabindex="0">
      <table class="compliance service-levels">
        <caption>
          Time from request to decision, by approver group and
          target${items.length ? '' : ': no approvals match'}
        </caption>
        <thead>
          <tr>
            <th scope="col">Approver group</th>
            <th scope="col">Target</th>
            <th scope="col">Requested</th>
            <th scope="col">Granted</th>
            <th scope="col">Denied</th>
            <th scope="col">Expired</th>
            <th scope="col">Cancelled</th>
            <th scope="col">Pending</th>
            <th scope="col">Mean</th>
            <th scope="col">Median</th>
            <th scope="col">95th percentile</th>
            <th scope="col">Longest</th>
          </tr>
        </thead>
        <tbody>
          ${items.map(
            (l) =>
              html`<tr>
                <th scope="row">${l.approverGroup}</th>
                <td>${l.targetName}</td>
                <td>${l.requested}</td>
                <td>${l.granted}</td>
                <td>${l.denied}</td>
                <td>${l.expired}</td>
                <td>${l.cancelled}</td>
                <td>${l.pending}</td>
                <td>${ms(l.meanMs)}</td>
                <td>${ms(l.p50Ms)}</td>
                <td>${ms(l.p95Ms)}</td>
                <td>${ms(l.maxMs)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
}

/** The last anchor found in the store, and where it was recorded. */
export interface LastAnchor {
  readonly data: AuditAnchorSignedData;
  readonly streamName: string;
}

/** A chain verification run from this page (this gateway process keeps the last one). */
export interface ChainVerifyRun {
  readonly at: string;
  readonly by: string;
  readonly events: number;
  readonly streams: number;
  /** The walk stopped at the bound before the end of the store. */
  readonly partial: boolean;
  readonly breaks: readonly { streamName: string; revision: number; problem: string }[];
}

export function auditChainBody(
  anchor: LastAnchor | undefined,
  lastRun: ChainVerifyRun | undefined,
  running: boolean,
  maxEvents: number,
  csrfToken: string,
): Html {
  const anchorFacts = anchor
    ? html`<dl class="facts anchor-facts">
        <dt>Signed</dt>
        <dd>${time(anchor.data.signedAt)}</dd>
        <dt>Anchor</dt>
        <dd>#${anchor.data.sequence} of <code>${anchor.streamName}</code></dd>
        <dt>Covers</dt>
        <dd>
          ${anchor.data.events} events in ${anchor.data.streams} streams, up to position
          <code>${anchor.data.asOf}</code>
        </dd>
        <dt>Key id</dt>
        <dd><code>${anchor.data.keyId}</code> (${anchor.data.algorithm})</dd>
      </dl>`
    : html`<p class="empty">
        No signed anchor is in the store yet (anchors are signed by each gateway, see
        <code>siem.anchors</code>).
      </p>`;
  const result = lastRun
    ? html`<p
          role="status"
          class="verify-result ${lastRun.breaks.length ? 'flash-refused' : 'flash-ok'} flash"
        >
          ${
            lastRun.breaks.length
              ? `BROKEN: ${lastRun.breaks.length} broken streams`
              : lastRun.partial
                ? 'No break found in the part checked'
                : 'OK: no break found'
          }
          — ${lastRun.events} events in ${lastRun.streams} streams
          checked${
            lastRun.partial
              ? ` (stopped at the bound of ${maxEvents.toLocaleString('en-US')} events: the rest was not checked)`
              : ''
          },
          at ${time(lastRun.at)} by ${lastRun.by}.
        </p>
        ${
          lastRun.breaks.length
            ? html`<ul class="breaks">
                ${lastRun.breaks.map(
                  (b) => html`<li><code>${b.streamName}</code> at revision ${b.revision}: ${b.problem}</li>`,
                )}
              </ul>`
            : ''
        }`
    : html`<p class="empty">
        The chain has not been verified from this console since this gateway started.
      </p>`;
  return html`${complianceNav('overview')}
    <section aria-labelledby="anchor-heading">
      <h2 id="anchor-heading">Last signed anchor</h2>
      ${anchorFacts}
    </section>
    <section aria-labelledby="verify-heading">
      <h2 id="verify-heading">Last verification</h2>
      <p class="hint">
        The gateway records no verification of its own. The complete check, including the signed anchors a
        SIEM collected, is the CLI's:
        <code>portcullis audit verify --anchors &lt;export&gt; --public-key &lt;key.pub&gt;</code>. From here
        you can walk the hash chains of the store (at most ${maxEvents.toLocaleString('en-US')} events); the
        result below is this gateway's last such walk.
      </p>
      ${result}
      <form method="post" action="/console/compliance/audit-chain/verify">
        <input type="hidden" name="csrf" value="${csrfToken}" />
        <button type="submit" ${running ? html` disabled` : ''}>
          ${running ? 'Verification running…' : 'Verify the hash chains now'}
        </button>
      </form>
    </section>`;
}
