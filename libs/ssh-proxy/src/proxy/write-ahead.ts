import {
  WriteAheadFailed,
  type CommandDecision,
  type ReceivedCommand,
  type SessionRecorder,
} from '@portcullis/audit';
import type { ProxyLogger } from './proxy-options.js';

/** The refusal when a command's write-ahead append fails or times out (strict mode fails closed). */
export const AUDIT_UNAVAILABLE = 'audit store unavailable';

/**
 * Write-ahead for one SSH command, exec, typed line or file operation: the
 * sequence once CommandReceived+CommandDecided are durable, or undefined
 * when they are not within the append timeout (the command must be refused
 * with AUDIT_UNAVAILABLE, and is: its CommandBlocked is recorded here, and
 * reaches the store with the pair once the store is back).
 */
export async function writeAhead(
  recorder: SessionRecorder,
  decision: { readonly received: ReceivedCommand; readonly decided: CommandDecision },
  logger: ProxyLogger,
  errorCode: string,
): Promise<number | undefined> {
  try {
    return await recorder.decide(decision.received, decision.decided);
  } catch (error) {
    logger.error({ sessionId: recorder.sessionId, err: String(error) }, 'write-ahead append failed');
    if (error instanceof WriteAheadFailed) {
      recorder.blocked(error.sequence, { reason: AUDIT_UNAVAILABLE, errorCode }).catch(() => undefined);
    }
    return undefined;
  }
}
