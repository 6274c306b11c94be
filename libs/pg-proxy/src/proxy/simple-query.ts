import type { FunctionCall, Query } from '../protocol/messages.js';
import { decideStatement, hostDenial } from './decide-statement.js';
import { AUDIT_UNAVAILABLE, type SessionRelay } from './session-relay.js';

/**
 * A simple Query: decide the whole text, make the decision durable
 * (write-ahead), and only then forward the frame, or refuse it.
 */
export async function relaySimpleQuery(relay: SessionRelay, message: Query): Promise<void> {
  // After a refusal in an extended pipeline, PostgreSQL ignores everything up to Sync, Query included.
  if (relay.extended.discarding) return;
  const decision = decideStatement(relay.statements, message.sql);
  const sequence = await relay.writeAhead(decision);
  const { touchesTransaction } = decision;
  if (sequence === undefined) return relay.refuseSimple(AUDIT_UNAVAILABLE, touchesTransaction);
  if (!decision.allowed) {
    relay.blocked(sequence, decision.refusal);
    return relay.refuseSimple(decision.refusal, touchesTransaction);
  }
  relay.forward(message.frame, { kind: 'query', command: relay.track(sequence, decision.masking) });
  relay.forwarded(sequence);
}

/** The fast-path FunctionCall bypasses statement text, so policy cannot see it: always refused. */
export async function relayFunctionCall(relay: SessionRelay, message: FunctionCall): Promise<void> {
  if (relay.extended.discarding) return;
  const decision = hostDenial(
    relay.statements.policy,
    `<function call ${message.functionId}>`,
    'the function call protocol is not supported',
  );
  const sequence = await relay.writeAhead(decision);
  relay.blocked(sequence, decision.refusal);
  relay.refuseSimple(sequence === undefined ? AUDIT_UNAVAILABLE : decision.refusal, false);
}
