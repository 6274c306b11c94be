/**
 * Stream names. The category is the part before the first `-`, as
 * EventStoreDB's `$by_category` projection defines it, so `session-<id>`
 * streams all land in the `session` category on every store.
 */
export const StreamCategory = {
  Session: 'session',
  Approval: 'approval',
  Policy: 'policy',
  Gateway: 'gateway',
  Termination: 'termination',
  Revocation: 'revocation',
} as const;
export type StreamCategory = (typeof StreamCategory)[keyof typeof StreamCategory];

export const sessionStream = (sessionId: string): string => `${StreamCategory.Session}-${sessionId}`;
export const approvalStream = (approvalId: string): string => `${StreamCategory.Approval}-${approvalId}`;
export const policyStream = (bundleName: string): string => `${StreamCategory.Policy}-${bundleName}`;
/** Facts about one gateway instance (recovery after a crash, what an outage could not record). */
export const gatewayStream = (instance: string): string => `${StreamCategory.Gateway}-${instance}`;
/** Operators' requests to end one live session (any instance may hold it). */
export const terminationStream = (sessionId: string): string => `${StreamCategory.Termination}-${sessionId}`;
/** One identity revocation: revoked, then maybe lifted. */
export const revocationStream = (revocationId: string): string =>
  `${StreamCategory.Revocation}-${revocationId}`;
/** The signed anchors of one gateway instance (AuditAnchorSigned), apart so their revisions count only anchors. */
export const anchorStream = (instance: string): string => `${StreamCategory.Gateway}-${instance}.anchors`;

export function categoryOf(streamName: string): string {
  const dash = streamName.indexOf('-');
  return dash === -1 ? streamName : streamName.slice(0, dash);
}

/** The id part of `category-id`, or the whole name when it has no category. */
export function streamIdOf(streamName: string): string {
  const dash = streamName.indexOf('-');
  return dash === -1 ? streamName : streamName.slice(dash + 1);
}
