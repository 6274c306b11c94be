import { DEFAULT_TERMINATION_REASON } from '../../access/commands/access-commands.js';
import type { SessionPage, SessionView } from '../../sessions/queries/session.view.js';
import type { ConsoleSession } from '../auth/console-user.js';
import type { SessionTimeline, TimelineCommand } from '../session-timeline.js';
import { SESSION_RANGES } from '../session-window.js';
import { html, type Html } from './html.js';
import { highlightSql } from './sql-highlight.js';

export interface SessionFilter {
  readonly identity?: string | undefined;
  readonly target?: string | undefined;
  readonly status?: 'open' | 'closed' | 'rejected' | undefined;
  /** The time filter as typed (see session-window.ts): from/to, or a range ending now. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly range?: string | undefined;
}

const RANGE_LABELS: Record<keyof typeof SESSION_RANGES, string> = {
  '1h': 'last hour',
  '24h': 'last 24 hours',
  '7d': 'last 7 days',
};

/** The list, or (`problem`) the filter form with what is wrong in it and no list. */
export function sessionsBody(page: SessionPage | { problem: string }, filter: SessionFilter): Html {
  const option = (current: string | undefined, value: string, label: string) =>
    html`<option value="${value}" ${(current ?? '') === value ? html` selected` : ''}>${label}</option>`;
  const query = (extra: Record<string, string>) =>
    new URLSearchParams(
      Object.entries({ ...filter, ...extra }).filter(
        (e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '',
      ),
    ).toString();
  return html`<form
      class="filters"
      method="get"
      action="/console/sessions"
      role="search"
      aria-label="Filter sessions"
    >
      <label>Identity (subject or app id) <input name="identity" value="${filter.identity ?? ''}" /></label>
      <label>Target <input name="target" value="${filter.target ?? ''}" /></label>
      <label
        >Status
        <select name="status">
          ${option(filter.status, '', 'any')}${option(filter.status, 'open', 'live')}${option(filter.status, 'closed', 'closed')}${option(filter.status, 'rejected', 'rejected')}
        </select>
      </label>
      <label
        >Live in
        <select name="range">
          ${option(filter.range, '', 'any time, or from/to')}
          ${Object.entries(RANGE_LABELS).map(([value, label]) => option(filter.range, value, label))}
        </select>
      </label>
      <label
        >From (UTC)
        <input type="datetime-local" name="from" value="${filter.from ?? ''}" aria-describedby="time-hint"
      /></label>
      <label
        >To (UTC)
        <input type="datetime-local" name="to" value="${filter.to ?? ''}" aria-describedby="time-hint"
      /></label>
      <button type="submit">Filter</button>
      <p id="time-hint" class="muted">
        A time filter shows the sessions live at some moment in it: opened before its end, and not closed
        before its start.
      </p>
    </form>
    ${'problem' in page ? html`<p class="flash flash-refused" role="alert">${page.problem}</p>` : sessionsTable(page, query)}`;
}

function sessionsTable(page: SessionPage, query: (extra: Record<string, string>) => string): Html {
  return html`<table class="sessions">
      <caption>
        Sessions, newest first${page.items.length ? '' : ': none match'}
      </caption>
      <thead>
        <tr>
          <th scope="col">Opened</th>
          <th scope="col">Identity</th>
          <th scope="col">Target</th>
          <th scope="col">Status</th>
          <th scope="col">Commands</th>
          <th scope="col">Blocked</th>
          <th scope="col"><span class="visually-hidden">Details</span></th>
        </tr>
      </thead>
      <tbody>
        ${page.items.map(sessionRow)}
      </tbody>
    </table>
    ${page.next ? html`<p><a href="/console/sessions?${query({ before: page.next })}">Older sessions</a></p>` : ''}`;
}

function sessionRow(s: SessionView): Html {
  return html`<tr data-session-id="${s.sessionId}">
    <td><time datetime="${s.openedAt}">${s.openedAt}</time></td>
    <td>
      ${s.subject ?? '—'}${s.appId && s.appId !== s.subject ? html`<br /><span class="muted">app ${s.appId}</span>` : ''}
    </td>
    <td>${s.targetName} <span class="muted">${s.protocol}</span></td>
    <td>
      <span class="badge badge-${s.status}">${s.status === 'open' ? 'live' : s.status}</span
      >${s.rejectReason ? html`<br /><span class="muted">${s.rejectReason}</span>` : ''}
    </td>
    <td>${s.commands}</td>
    <td>${s.blocked}</td>
    <td>
      <a href="/console/sessions/${s.sessionId}"
        >Details<span class="visually-hidden"> of session ${s.sessionId}</span></a
      >
    </td>
  </tr>`;
}

export function sessionDetailBody(
  sessionId: string,
  timeline: SessionTimeline,
  session: ConsoleSession,
  /** The terminal recording's section (recording/recording-section.ts). */
  recording: Html = html``,
): Html {
  const { opened, rejected, closed } = timeline;
  const identity = opened?.identity ?? rejected?.identity;
  const live = opened !== undefined && closed === undefined;
  return html`<dl class="facts session-facts">
      <dt>Session</dt>
      <dd><code>${sessionId}</code></dd>
      <dt>Status</dt>
      <dd>
        <span class="badge badge-${live ? 'open' : rejected ? 'rejected' : 'closed'}"
          >${live ? 'live' : rejected ? 'rejected' : 'closed'}</span
        >${closed ? ` (${closed.reason})` : ''}${rejected ? ` (${rejected.reason}: ${rejected.detail})` : ''}
      </dd>
      <dt>Identity</dt>
      <dd>
        ${identity ? html`${identity.subject}, app id <code>${identity.app_id ?? '—'}</code>${identity.tenant_id ? html`, tenant <code>${identity.tenant_id}</code>` : ''}` : '—'}
      </dd>
      <dt>Target</dt>
      <dd>
        ${opened?.target.name ?? rejected?.targetName ?? '—'}
        <span class="muted">${opened?.protocol ?? rejected?.protocol ?? ''}</span>
      </dd>
      <dt>Client</dt>
      <dd>${opened?.clientAddress ?? rejected?.clientAddress ?? '—'}</dd>
      <dt>Opened</dt>
      <dd>${opened ? html`<time datetime="${opened.at}">${opened.at}</time>` : '—'}</dd>
      ${
        closed
          ? html`<dt>Closed</dt>
              <dd><time datetime="${closed.at}">${closed.at}</time>, ${Math.round(closed.durationMs)} ms</dd>`
          : ''
      }
      ${
        closed?.terminatedBy
          ? html`<dt>Terminated by</dt>
              <dd class="terminated-by">
                ${closed.terminatedBy.subject}
                <span class="muted">${closed.terminatedBy.issuer}</span
                >${closed.terminationReason ? html`: ${closed.terminationReason}` : ''}
              </dd>`
          : ''
      }
    </dl>
    ${live && session.user.admin ? terminateForm(sessionId, session) : ''} ${recording}
    <section aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Statements <span class="count">${timeline.commands.length}</span></h2>
      ${
        timeline.commands.length
          ? html`<ol class="timeline">
              ${timeline.commands.map(commandEntry)}
            </ol>`
          : html`<p class="empty">No statements.</p>`
      }
    </section>`;
}

/**
 * "Terminate session", on a live session's page for console admins
 * (console.adminGroups). The console's route checks the role again and
 * sends the same command as `POST /api/sessions/:id/terminate`.
 */
function terminateForm(sessionId: string, session: ConsoleSession): Html {
  return html`<form
    class="actions terminate"
    method="post"
    action="/console/sessions/${sessionId}/terminate"
    aria-labelledby="terminate-heading"
  >
    <h2 id="terminate-heading">End this session</h2>
    <input type="hidden" name="csrf" value="${session.csrfToken}" />
    <label
      >Reason (told to the client and recorded)
      <input name="reason" maxlength="500" placeholder="${DEFAULT_TERMINATION_REASON}"
    /></label>
    <button type="submit" class="deny">Terminate session</button>
  </form>`;
}

function commandEntry(c: TimelineCommand): Html {
  const outcome = c.blocked ? 'blocked' : (c.outcome ?? 'undecided');
  return html`<li
    class="command outcome-${outcome}"
    id="command-${c.sequence}"
    aria-labelledby="command-${c.sequence}-title"
  >
    <h3 id="command-${c.sequence}-title">
      #${c.sequence}
      <span class="badge badge-${outcome}"
        >${outcome === 'allow' ? 'allowed' : outcome === 'deny' ? 'denied' : outcome}</span
      >
      <time datetime="${c.receivedAt}">${c.receivedAt}</time>
    </h3>
    <pre class="statement">${highlightSql(c.text)}</pre>
    <dl class="facts">
      ${
        c.statements.length
          ? html`<dt>Classification</dt>
              <dd>
                ${c.statements.map((s) => html`<span class="kind">${s.kind}</span> ${s.objects.join(', ')} `)}
              </dd>`
          : ''
      }
      ${
        c.reasons.length
          ? html`<dt>Reasons</dt>
              <dd>
                <ul class="reasons">
                  ${c.reasons.map((r) => html`<li>${r}</li>`)}
                </ul>
              </dd>`
          : ''
      }
      ${
        c.approvalId
          ? html`<dt>Approval</dt>
              <dd><code>${c.approvalId}</code></dd>`
          : ''
      }
      ${
        c.blocked
          ? html`<dt>Blocked</dt>
              <dd>${c.blocked.reason}${c.blocked.errorCode ? ` (${c.blocked.errorCode})` : ''}</dd>`
          : ''
      }
      ${
        c.completed
          ? html`<dt>Result</dt>
              <dd>
                ${c.completed.error ? html`error ${c.completed.error.code}: ${c.completed.error.message}` : html`${c.completed.commandTag ?? ''} ${c.completed.rows === null ? '' : `${c.completed.rows} rows`}`},
                ${c.completed.durationMs.toFixed(1)} ms
              </dd>`
          : ''
      }
      ${
        c.unknown
          ? html`<dt>Outcome unknown</dt>
              <dd>${c.unknown}</dd>`
          : ''
      }
    </dl>
    ${
      c.masks.length
        ? html`<table class="masks">
            <caption>
              Masked in the result (columns and counts; values are never recorded)
            </caption>
            <thead>
              <tr>
                <th scope="col">Column</th>
                <th scope="col">Method</th>
                <th scope="col">Rule or detector</th>
                <th scope="col">Values masked</th>
              </tr>
            </thead>
            <tbody>
              ${c.masks.map(
                (m) =>
                  html`<tr>
                    <td><code>${m.column}</code></td>
                    <td>${m.method}</td>
                    <td>${m.rule ?? m.detector ?? '—'}</td>
                    <td>${m.count}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : ''
    }
  </li>`;
}
