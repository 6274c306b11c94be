import type ssh2 from 'ssh2';
import { awaitApproval, type SessionRecorder } from '@portcullis/session';
import { decideCommand, type CommandContext, type ExecDecision } from './decide-command.js';

/**
 * An exec command policy wants a human to approve: the session core pauses
 * it (libs/session awaitApproval) and this is its SSH wire. The client is told
 * on stderr which approval it waits for and where to decide it; closing the
 * channel ends the wait. The client's stdin stays buffered in its channel
 * meanwhile, and nothing runs on the host. Returns the decision to act on.
 */
export function awaitExecApproval(
  channel: ssh2.ServerChannel,
  text: string,
  decision: ExecDecision,
  sequence: number,
  deps: { readonly context: CommandContext; readonly recorder: SessionRecorder },
): Promise<ExecDecision> {
  const { context, recorder } = deps;
  return awaitApproval(
    { ...context, targetName: context.target.name },
    recorder,
    decision,
    sequence,
    {
      tell: ({ approvalId, reason, expiresAt, whereToDecide }) =>
        channel.stderr.write(
          `portcullis: approval ${approvalId} required: ${reason}; waiting until ${expiresAt.toISOString()}\n` +
            `portcullis: decide it with: ${whereToDecide}\n`,
        ),
      onInterrupt: (interrupt) => {
        const gone = () => interrupt('client disconnected');
        channel.once('close', gone);
        return () => channel.off('close', gone);
      },
    },
    (approvalId) => decideCommand(context, text, approvalId),
  );
}
