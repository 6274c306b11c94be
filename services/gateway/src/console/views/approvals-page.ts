import type { Identity } from '@portcullis/events';
import type { ApprovalView } from '../../approvals/queries/approval.view.js';
import type { ConsoleSession } from '../auth/console-user.js';
import { statementsOf } from '../session-timeline.js';
import { html, type Html } from './html.js';
import { highlightSql } from './sql-highlight.js';

/** An approval as the inbox shows it: the read model's row, and what its request recorded about the requester. */
export interface ApprovalCard {
  readonly view: ApprovalView;
  /** From the approval's ApprovalRequested event (the read model keeps subject, issuer and app id only). */
  readonly requester: Identity | undefined;
  readonly classification: unknown;
}

export function approvalsBody(
  pending: readonly ApprovalCard[],
  decided: readonly ApprovalCard[],
  session: ConsoleSession,
): Html {
  return html`<section aria-labelledby="pending-heading">
      <h2 id="pending-heading">
        Waiting for a decision <span class="count" id="pending-count">${pending.length}</span>
      </h2>
      <p class="hint" id="live-status">Updates live: a new request appears here by itself.</p>
      <div id="pending-list" class="cards">
        ${pending.length ? pending.map((c) => approvalCard(c, session)) : html`<p class="empty" id="pending-empty">Nothing waits for a decision.</p>`}
      </div>
    </section>
    <section aria-labelledby="decided-heading">
      <h2 id="decided-heading">Recently decided</h2>
      <div id="decided-list" class="cards">
        ${decided.length ? decided.map((c) => approvalCard(c, session)) : html`<p class="empty" id="decided-empty">Nothing decided yet.</p>`}
      </div>
    </section>`;
}

export function approvalCard(
  { view, requester, classification }: ApprovalCard,
  session: ConsoleSession,
): Html {
  const id = view.approvalId;
  const titleId = `approval-${id}-title`;
  const statements = statementsOf(classification);
  const pending = view.status === 'pending';
  return html`<article
    class="card approval status-${view.status}"
    id="approval-${id}"
    data-approval-id="${id}"
    data-status="${view.status}"
    aria-labelledby="${titleId}"
  >
    <h3 id="${titleId}">
      ${view.scope === 'session' ? 'Session' : `Statement #${view.sequence ?? '?'}`} on
      <span class="target">${view.targetName}</span>
      <span class="badge badge-${view.status}">${view.status}</span>
    </h3>
    <pre class="statement" aria-label="Statement">${highlightSql(view.text)}</pre>
    <dl class="facts">
      <dt>Classification</dt>
      <dd>
        ${statements.length ? statements.map((s) => html`<span class="kind">${s.kind}</span> ${s.objects.join(', ')} `) : 'not recorded'}
      </dd>
      <dt>Policy reasons</dt>
      <dd class="policy-reasons">${view.reason}</dd>
      <dt>Requester</dt>
      <dd class="requester">
        <span class="subject">${view.requesterSubject}</span>
        ${requester?.kind ? html` <span class="muted">(${requester.kind.replace('_', ' ')})</span>` : ''}
        <br />app id
        <code>${view.requesterAppId ?? '—'}</code
        >${requester?.tenant_id ? html`, tenant <code>${requester.tenant_id}</code>` : ''} <br /><span
          class="muted"
          >issuer ${view.requesterIssuer}</span
        >
      </dd>
      <dt>Target</dt>
      <dd>${view.targetName}</dd>
      <dt>Approvers</dt>
      <dd>
        ${view.approverGroups.join(', ') || '(none)'}; ${view.grantedBy.length} of ${view.minApprovals}
        granted
      </dd>
      <dt>Requested</dt>
      <dd><time datetime="${view.requestedAt}">${view.requestedAt}</time></dd>
      ${
        pending
          ? html`<dt>Expires</dt>
              <dd>
                <time datetime="${view.expiresAt}" data-countdown="${view.expiresAt}">${view.expiresAt}</time>
              </dd>`
          : html`<dt>Decided</dt>
              <dd>${decidedBy(view)}</dd>`
      }
    </dl>
    ${pending ? decisionForm(id, session) : ''}
  </article>`;
}

function decidedBy(view: ApprovalView): Html {
  const who =
    view.status === 'denied'
      ? `denied by ${view.deniedBy?.subject ?? '?'}`
      : view.status === 'granted'
        ? `granted by ${view.grantedBy.map((g) => g.subject).join(', ')}`
        : view.status;
  return html`${who}${view.decidedAt ? html` at <time datetime="${view.decidedAt}">${view.decidedAt}</time>` : ''}${view.comment ? html` — “${view.comment}”` : ''}`;
}

function decisionForm(id: string, session: ConsoleSession): Html {
  return html`<form class="decide" method="post" action="/console/approvals/${id}/decide">
    <input type="hidden" name="csrf" value="${session.csrfToken}" />
    <label for="comment-${id}">Comment (recorded with the decision)</label>
    <textarea id="comment-${id}" name="comment" maxlength="1000" rows="2"></textarea>
    <div class="buttons">
      <button type="submit" name="decision" value="grant" class="grant">Grant</button>
      <button type="submit" name="decision" value="deny" class="deny">Deny</button>
    </div>
  </form>`;
}
