import { awaitApproval as awaitCoreApproval } from '@portcullis/session';
import { backend } from '../protocol/index.js';
import { decideStatement, type StatementDecision } from './decide-statement.js';
import type { StatementRelay } from './statement-relay.js';

/**
 * A statement policy wants a human to approve: the session core pauses it
 * (libs/session awaitApproval) and this is its PostgreSQL wire. The client is
 * told with a NoticeResponse naming the approval and where to decide it;
 * leaving, or a CancelRequest (Ctrl-C), ends the wait. Nothing of the
 * statement reaches the server while it waits, and the client's later
 * messages queue behind it, so the protocol stays in order (extended
 * protocol included). Returns the decision to act on.
 */
export function awaitApproval(
  relay: StatementRelay,
  decision: StatementDecision,
  sequence: number,
): Promise<StatementDecision> {
  const { statements: context } = relay;
  return awaitCoreApproval(
    { ...context, targetName: context.target.name },
    relay.recorder,
    decision,
    sequence,
    {
      tell: ({ approvalId, reason, expiresAt, whereToDecide }) =>
        relay.channel.write(
          backend.noticeResponse({
            severity: 'NOTICE',
            code: '01000',
            message: `portcullis: approval ${approvalId} required: ${reason}; waiting until ${expiresAt.toISOString()}`,
            detail: `Decide it with: ${whereToDecide}`,
          }),
        ),
      onInterrupt: (interrupt) => {
        const stopWatching = relay.channel.onGone(() => interrupt('client disconnected'));
        const stopCancel = relay.holdCancellable(() => interrupt('client cancelled the statement'));
        return () => {
          stopWatching();
          stopCancel();
        };
      },
    },
    (approvalId) => decideStatement(context, decision.received.text, approvalId),
  );
}
