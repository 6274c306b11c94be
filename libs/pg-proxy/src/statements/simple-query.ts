import type { FunctionCall, Query } from '../protocol/messages.js';
import { awaitApproval } from './await-approval.js';
import { decideStatement, hostDenial } from './decide-statement.js';
import { Refusals } from '@portcullis/session';
import type { StatementRelay } from './statement-relay.js';

/**
 * A simple Query: decide the whole text, make the decision durable
 * (write-ahead), pause for approval when policy asks for one, and only
 * then forward the frame, or refuse it. An effect-free read runs while its
 * decision is made durable, its result held until it is (runAhead).
 */
export async function relaySimpleQuery(relay: StatementRelay, message: Query): Promise<void> {
  // After a refusal in an extended pipeline, PostgreSQL ignores everything up to Sync, Query included.
  if (relay.extended.discarding) return;
  let decision = decideStatement(relay.statements, message.sql);
  if (relay.canRunAhead(decision)) {
    // Not durable: the refusal took the result's place, before the server's ReadyForQuery.
    await relay.runAhead(decision, decision, (command) =>
      relay.forward(message.frame, { kind: 'query', command }),
    );
    return;
  }
  const sequence = await relay.writeAhead(decision);
  const { touchesTransaction } = decision;
  if (sequence === undefined) return relay.refuseSimple(Refusals.auditUnavailable, touchesTransaction);
  if (decision.review) decision = await awaitApproval(relay, decision, sequence);
  if (!decision.allowed) {
    relay.blocked(sequence, decision.refusal);
    return relay.refuseSimple(decision.refusal, touchesTransaction);
  }
  const command = relay.track(sequence, decision.masking);
  relay.describeCopySources(command);
  relay.forward(message.frame, { kind: 'query', command });
  // A client may send its rows right behind an allowed COPY FROM STDIN, before the server's CopyInResponse.
  if (decision.copiesFromClient) relay.tracker.copyIn = true;
  relay.forwarded(sequence);
}

/** The fast-path FunctionCall bypasses statement text, so policy cannot see it: always refused. */
export async function relayFunctionCall(relay: StatementRelay, message: FunctionCall): Promise<void> {
  if (relay.extended.discarding) return;
  const decision = hostDenial(
    relay.statements.policy,
    `<function call ${message.functionId}>`,
    'the function call protocol is not supported',
  );
  const sequence = await relay.writeAhead(decision);
  relay.blocked(sequence, decision.refusal);
  relay.refuseSimple(sequence === undefined ? Refusals.auditUnavailable : decision.refusal, false);
}
