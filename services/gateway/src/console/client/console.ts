/**
 * The console's only script, loaded as a module from /console/assets (the
 * Content-Security-Policy allows nothing inline). The pages work without
 * it; it adds the live inbox (Server-Sent Events) and expiry countdowns.
 */

interface ApprovalMessage {
  readonly approvalId: string;
  readonly status: string;
  /** The card as the server rendered it for this person (escaped there). */
  readonly html: string;
  readonly summary: string;
}

const countdownFormat = (ms: number): string => {
  const total = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `in ${minutes}:${String(seconds).padStart(2, '0')}`;
};

function tickCountdowns(): void {
  for (const el of document.querySelectorAll<HTMLTimeElement>('time[data-countdown]')) {
    const left = Date.parse(el.dataset.countdown ?? '') - Date.now();
    const text = left > 0 ? countdownFormat(left) : 'expired';
    if (el.textContent !== text) el.textContent = text;
    el.setAttribute('title', el.dateTime);
  }
}

function announce(text: string): void {
  const region = document.getElementById('live-region');
  if (region) region.textContent = text;
}

function fragment(markup: string): Element | null {
  const template = document.createElement('template');
  template.innerHTML = markup;
  return template.content.firstElementChild;
}

function applyApproval(message: ApprovalMessage): void {
  const card = fragment(message.html);
  if (!card) return;
  const existing = document.getElementById(`approval-${message.approvalId}`);
  const pendingList = document.getElementById('pending-list');
  const decidedList = document.getElementById('decided-list');
  // Keep focus where it was when the card someone is typing in is replaced.
  const focused = existing?.contains(document.activeElement) ? document.activeElement?.id : undefined;
  if (message.status === 'pending') {
    if (existing) {
      // Whatever the person was typing survives the update of the card.
      const typed = existing.querySelector('textarea')?.value;
      const textarea = card.querySelector('textarea');
      if (typed && textarea) textarea.value = typed;
      existing.replaceWith(card);
    } else {
      pendingList?.prepend(card);
      announce(`New approval request: ${message.summary}`);
    }
  } else {
    existing?.remove();
    document.getElementById('decided-empty')?.remove();
    decidedList?.prepend(card);
    announce(`Approval ${message.status}: ${message.summary}`);
  }
  if (message.status === 'pending') document.getElementById('pending-empty')?.remove();
  const count = document.getElementById('pending-count');
  if (count && pendingList) count.textContent = String(pendingList.querySelectorAll('.approval').length);
  if (focused) document.getElementById(focused)?.focus();
  tickCountdowns();
}

function followApprovals(): void {
  const status = document.getElementById('live-status');
  const source = new EventSource('/console/events');
  source.addEventListener('open', () => {
    if (status) status.textContent = 'Updates live: a new request appears here by itself.';
    document.body.dataset.live = 'connected';
  });
  source.addEventListener('approval', (event) => {
    applyApproval(JSON.parse((event as MessageEvent<string>).data) as ApprovalMessage);
  });
  source.addEventListener('signed-out', () => {
    source.close();
    window.location.assign('/console/sign-in');
  });
  source.addEventListener('error', () => {
    if (status) status.textContent = 'Live updates interrupted; reconnecting…';
    document.body.dataset.live = 'reconnecting';
  });
}

tickCountdowns();
setInterval(tickCountdowns, 1000);
if (document.body.dataset.page === 'approvals') followApprovals();
