import Type, { type Static } from 'typebox';

/**
 * Events of a `gateway-<instance>` stream: facts about one gateway instance
 * that belong to no session or approval.
 */
export const SessionsUnrecordedSchema = Type.Object(
  {
    sessions: Type.Integer({
      minimum: 1,
      description:
        'Connections refused while the store was unavailable whose SessionRejected did not fit the buffer.',
    }),
    firstAt: Type.String({ format: 'date-time' }),
    lastAt: Type.String({ format: 'date-time' }),
    reasons: Type.Record(Type.String(), Type.Integer({ minimum: 1 }), {
      description: 'How many of them per rejection reason.',
    }),
  },
  { additionalProperties: false },
);

export const SessionsRecoveredSchema = Type.Object(
  {
    sessions: Type.Integer({
      minimum: 0,
      description: 'Sessions of this instance closed with reason gateway_restart.',
    }),
    commandsUnknown: Type.Integer({
      minimum: 0,
      description: 'In-flight commands marked CommandOutcomeUnknown.',
    }),
  },
  { additionalProperties: false },
);

/**
 * A signed statement of every stream's head, in a `gateway-<instance>.anchors`
 * stream. Once a copy has left the machine (through a forwarder), a store
 * truncated, rewritten or missing a stream before `asOf` no longer matches
 * it (`portcullis audit verify --anchors`).
 */
export const AuditAnchorSignedSchema = Type.Object(
  {
    sequence: Type.Integer({ minimum: 1, description: 'Anchors of this instance, counted from 1.' }),
    asOf: Type.String({
      pattern: '^\\d+/\\d+$',
      description: 'The global position (commit/prepare) of the last event covered: every event up to it.',
    }),
    streams: Type.Integer({ minimum: 0, description: 'Streams with at least one event up to asOf.' }),
    events: Type.Integer({
      minimum: 0,
      description: 'Events up to asOf (the sum of every head revision + 1).',
    }),
    headsDigest: Type.String({
      description:
        'The multiset hash (lthash16-shake256, 2048 bytes, base64) of every stream head (stream, revision, hash) as of asOf.',
    }),
    previous: Type.String({
      pattern: '^[0-9a-f]{64}$',
      description: 'SHA-256 of the previous anchor signed payload (64 zeros for the first).',
    }),
    signedAt: Type.String({ format: 'date-time' }),
    keyId: Type.String({
      description: 'The first 16 hex digits of the SHA-256 of the public key (SPKI DER).',
    }),
    algorithm: Type.Literal('ed25519'),
    signature: Type.String({
      description: 'Ed25519 over the RFC 8785 canonical JSON of every other field, base64.',
    }),
  },
  { additionalProperties: false },
);

export type SessionsUnrecordedData = Static<typeof SessionsUnrecordedSchema>;
export type SessionsRecoveredData = Static<typeof SessionsRecoveredSchema>;
export type AuditAnchorSignedData = Static<typeof AuditAnchorSignedSchema>;
