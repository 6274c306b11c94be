import type { SessionPage, SessionView } from '../../sessions/queries/session.view.js';
import type { ConsoleFeatures } from '../console-features.js';
import type { ConsoleSession } from '../auth/console-user.js';
import type { SessionTimeline, TimelineCommand } from '../session-timeline.js';
import { html, type Html } from './html.js';
import { highlightSql } from './sql-highlight.js';

export interface SessionFilter {
  readonly identity?: string | undefined;
  readonly target?: string | undefined;
  readonly status?: 'open' | 'closed' | 'rejected' | undefined;
}

export function sessionsBody(page: SessionPage, filter: SessionFilter): Html {
  const option = (value: string, label: string) =>
    html`<option value="${value}" ${(filter.status ?? '') === value ? html` selected` : ''}>
      ${label}
    </option>`;
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
          ${option('', 'any')}${option('open', 'live')}${option('closed', 'closed')}${option('rejected', 'rejected')}
        </select>
      </label>
      <button type="submit">Filter</button>
    </form>
    <table class="sessions">
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
  features: ConsoleFeatures,
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
    </dl>
    ${sessionActions(sessionId, live, session, features)} ${recording}
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
 * Where a live session's actions go. "Terminate session" (admins only)
 * shows once the session termination API exists and
 * CONSOLE_FEATURES.terminateSessions is on; the console's route for it
 * (`POST /console/sessions/:id/terminate`, CSRF-checked like every form)
 * must send the same command as `POST /api/sessions/:id/terminate`.
 */
function sessionActions(
  sessionId: string,
  live: boolean,
  session: ConsoleSession,
  features: ConsoleFeatures,
): Html {
  if (!live || !features.terminateSessions || !session.user.admin) return html``;
  return html`<form class="actions" method="post" action="/console/sessions/${sessionId}/terminate">
    <input type="hidden" name="csrf" value="${session.csrfToken}" />
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
