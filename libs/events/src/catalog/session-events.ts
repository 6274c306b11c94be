import Type, { type Static } from 'typebox';
import { IdentitySchema } from '../identity.js';

/**
 * Events of a `session-<sessionId>` stream: one gateway session, i.e. one
 * client connection, from open (or rejection) to close. Past tense, domain
 * words. Values that policy marks sensitive never appear here unmasked.
 */
const SessionId = Type.String({ minLength: 1, description: 'The gateway session id (a uuid).' });
const Sequence = Type.Integer({ minimum: 1, description: 'Command number within the session, from 1.' });
const Protocol = Type.Union([Type.Literal('postgres'), Type.Literal('ssh')]);
/**
 * Which front end the session came through: `wire` (a PostgreSQL or SSH
 * client on a proxy listener) or `mcp` (an agent's MCP tool calls on the
 * gateway's /mcp). Absent in events recorded before MCP existed: `wire`.
 */
export const FrontEndSchema = Type.Union([Type.Literal('wire'), Type.Literal('mcp')], {
  description: 'The front end the session came through; absent means wire (recorded before MCP).',
});
export type FrontEnd = Static<typeof FrontEndSchema>;

/** A SessionOpened's front end, `wire` for events that predate the field. */
export function frontEndOf(opened: { readonly frontEnd?: FrontEnd }): FrontEnd {
  return opened.frontEnd ?? 'wire';
}

export const TargetRefSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    protocol: Protocol,
    labels: Type.Record(Type.String(), Type.String()),
  },
  { additionalProperties: false },
);

export const SessionOpenedSchema = Type.Object(
  {
    sessionId: SessionId,
    identity: IdentitySchema,
    target: TargetRefSchema,
    protocol: Protocol,
    frontEnd: Type.Optional(FrontEndSchema),
    clientAddress: Type.String(),
    policyRevision: Type.String({ description: 'Revision of the policy bundle that admitted the session.' }),
    approvalId: Type.Optional(
      Type.String({ description: 'The session approval that admitted it (just-in-time access).' }),
    ),
    approvedUntil: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'End of the approved window: later commands are refused.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const SessionRejectedSchema = Type.Object(
  {
    sessionId: SessionId,
    protocol: Protocol,
    frontEnd: Type.Optional(FrontEndSchema),
    targetName: Type.String(),
    clientAddress: Type.String(),
    reason: Type.String({
      description: 'A typed reason: authentication_failed, policy_denied, store_unavailable, …',
    }),
    detail: Type.String({ description: 'Why, for the audit trail. Never contains a token.' }),
    identity: Type.Optional(IdentitySchema),
  },
  { additionalProperties: false },
);

export const CommandReceivedSchema = Type.Object(
  {
    sessionId: SessionId,
    sequence: Sequence,
    protocol: Protocol,
    text: Type.String(),
    classification: Type.Unknown({
      description: 'What the parser made of the command (the policy input `command`).',
    }),
    parameters: Type.Optional(
      Type.Array(Type.Union([Type.String(), Type.Null()]), {
        description:
          'Bound parameters in text form (binary as \\\\x hex), never a sensitive value: all redacted when the statement touches a masked column, else what the detectors find in them redacted.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const DecisionOutcomeSchema = Type.Union([
  Type.Literal('allow'),
  Type.Literal('deny'),
  Type.Literal('review'),
]);

export const CommandDecidedSchema = Type.Object(
  {
    sessionId: SessionId,
    sequence: Sequence,
    outcome: DecisionOutcomeSchema,
    reasons: Type.Array(Type.String()),
    policyRevision: Type.String(),
    decisionId: Type.String(),
    evaluationMicros: Type.Number({ minimum: 0 }),
    reused: Type.Optional(
      Type.Boolean({
        description:
          "The session reused the decision `decisionId` took for the same text (same policy revision, within the decision's reuse_until_ns) instead of evaluating again.",
      }),
    ),
    masks: Type.Optional(Type.Array(Type.Unknown())),
    approvalId: Type.Optional(
      Type.String({
        description:
          'Review: the approval requested. A later CommandDecided for the same sequence carries the outcome after it.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const CommandBlockedSchema = Type.Object(
  {
    sessionId: SessionId,
    sequence: Sequence,
    reason: Type.String(),
    errorCode: Type.Optional(
      Type.String({ description: 'What the client was told, e.g. SQLSTATE 42501 or exit 126.' }),
    ),
  },
  { additionalProperties: false },
);

export const ShadowDecisionDifferedSchema = Type.Object(
  {
    sessionId: SessionId,
    sequence: Sequence,
    livePolicyRevision: Type.String(),
    shadowPolicyRevision: Type.String({
      description: 'The candidate evaluated beside the live policy (policy.shadow).',
    }),
    liveOutcome: DecisionOutcomeSchema,
    shadowOutcome: DecisionOutcomeSchema,
    shadowReasons: Type.Array(Type.String()),
    liveMasks: Type.Optional(Type.Array(Type.Unknown())),
    shadowMasks: Type.Optional(Type.Array(Type.Unknown())),
  },
  {
    additionalProperties: false,
    description:
      'The shadow policy would have decided this command differently (outcome or masks). Recorded only when they differ; the live decision alone took effect.',
  },
);

export const CommandForwardedSchema = Type.Object(
  { sessionId: SessionId, sequence: Sequence },
  { additionalProperties: false },
);

export const CommandCompletedSchema = Type.Object(
  {
    sessionId: SessionId,
    sequence: Sequence,
    rows: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    durationMs: Type.Number({ minimum: 0 }),
    commandTag: Type.Optional(Type.String()),
    error: Type.Optional(
      Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: false }),
    ),
    resultRows: Type.Optional(
      Type.Array(Type.Array(Type.Union([Type.String(), Type.Null()])), {
        description:
          'The first result rows as the client received them, after masking (only when the target records rows: recordResultRows). Text values as text, others as \\x hex; long values cut.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const MaskedColumnSchema = Type.Object(
  {
    column: Type.String({ description: 'schema.table.column, or the output column name when derived.' }),
    method: Type.String(),
    rule: Type.Optional(Type.String()),
    detector: Type.Optional(Type.String()),
    count: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export const ResultMaskedSchema = Type.Object(
  {
    sessionId: SessionId,
    sequence: Sequence,
    columns: Type.Array(MaskedColumnSchema, {
      description: 'Which columns and how many values; never the values.',
    }),
  },
  { additionalProperties: false },
);

export const OutputRecordedSchema = Type.Object(
  {
    sessionId: SessionId,
    channel: Type.Integer({
      minimum: 0,
      description: 'The recorded terminal channel, numbered from 0 within the session.',
    }),
    startOffsetSeconds: Type.Number({
      minimum: 0,
      description: 'When the channel started, in seconds since the session opened.',
    }),
    frames: Type.Array(
      Type.Tuple([
        Type.Number({ minimum: 0 }),
        Type.Union([Type.Literal('o'), Type.Literal('i'), Type.Literal('r')]),
        Type.String(),
      ]),
      {
        description:
          'asciicast v2 events: [seconds since the channel started, "o" output | "i" input | "r" resize ("COLSxROWS"), data].',
      },
    ),
    bytes: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export const SessionClosedSchema = Type.Object(
  {
    sessionId: SessionId,
    reason: Type.String({
      description:
        'client_disconnected, upstream_closed, idle_timeout, proxy_shutdown, terminated (an operator ended it), identity_revoked, …',
    }),
    terminatedBy: Type.Optional(
      Type.Object(
        {
          subject: Type.String({ minLength: 1 }),
          issuer: Type.String({ minLength: 1 }),
          app_id: Type.Optional(Type.String()),
        },
        {
          additionalProperties: false,
          description: 'The operator who terminated the session or revoked its identity.',
        },
      ),
    ),
    terminationReason: Type.Optional(Type.String({ description: 'Why the operator ended it.' })),
    revocationId: Type.Optional(
      Type.String({ description: 'The revocation that ended it (identity_revoked).' }),
    ),
    bytesFromClient: Type.Integer({ minimum: 0 }),
    bytesToClient: Type.Integer({ minimum: 0 }),
    durationMs: Type.Number({ minimum: 0 }),
    commands: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export const CommandOutcomeUnknownSchema = Type.Object(
  {
    sessionId: SessionId,
    sequence: Sequence,
    reason: Type.String({
      description:
        'Why nothing more is known, e.g. gateway_restart: the instance holding the session died after the write-ahead pair was durable.',
    }),
    forwarded: Type.Boolean({
      description:
        'Whether CommandForwarded was recorded: true means the command reached the backend and may have taken effect; false means it may or may not have been sent.',
    }),
  },
  { additionalProperties: false },
);

export const CommandsUnrecordedSchema = Type.Object(
  {
    sessionId: SessionId,
    commands: Type.Integer({
      minimum: 1,
      description: 'Commands whose events were dropped: the sequence numbers they leave out of this stream.',
    }),
    events: Type.Integer({ minimum: 1 }),
    firstSequence: Sequence,
    lastSequence: Sequence,
    reason: Type.String({
      description:
        'Why, e.g. the buffer of events held while the store was unavailable was full. Every one of these commands was refused or had already completed.',
    }),
  },
  { additionalProperties: false },
);

export type TargetRef = Static<typeof TargetRefSchema>;
export type DecisionOutcome = Static<typeof DecisionOutcomeSchema>;
export type SessionOpenedData = Static<typeof SessionOpenedSchema>;
export type SessionRejectedData = Static<typeof SessionRejectedSchema>;
export type CommandReceivedData = Static<typeof CommandReceivedSchema>;
export type CommandDecidedData = Static<typeof CommandDecidedSchema>;
export type CommandBlockedData = Static<typeof CommandBlockedSchema>;
export type CommandForwardedData = Static<typeof CommandForwardedSchema>;
export type ShadowDecisionDifferedData = Static<typeof ShadowDecisionDifferedSchema>;
export type CommandCompletedData = Static<typeof CommandCompletedSchema>;
export type ResultMaskedData = Static<typeof ResultMaskedSchema>;
export type OutputRecordedData = Static<typeof OutputRecordedSchema>;
export type SessionClosedData = Static<typeof SessionClosedSchema>;
export type CommandOutcomeUnknownData = Static<typeof CommandOutcomeUnknownSchema>;
export type CommandsUnrecordedData = Static<typeof CommandsUnrecordedSchema>;
