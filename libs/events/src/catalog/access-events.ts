import Type, { type Static } from 'typebox';

/**
 * Operators taking access away (docs/architecture.md "Access lifecycle"):
 * - `termination-<sessionId>`: a request to end one live session, acted on by
 *   whichever gateway instance holds it;
 * - `revocation-<revocationId>`: an identity cut off (new sessions refused,
 *   live ones ended) until lifted or until it expires.
 * They live in streams of their own: a session stream has exactly one writer,
 * the instance holding the session.
 */
const OperatorSchema = Type.Object(
  {
    subject: Type.String({ minLength: 1 }),
    issuer: Type.String({ minLength: 1 }),
    app_id: Type.Optional(Type.String()),
  },
  {
    additionalProperties: false,
    description: 'Who asked: the identity of the operator’s OIDC token (an admin group member).',
  },
);

export const SessionTerminationRequestedSchema = Type.Object(
  {
    sessionId: Type.String({ minLength: 1 }),
    requestedBy: OperatorSchema,
    reason: Type.String({ description: 'Why; told to the client and recorded in SessionClosed.' }),
  },
  { additionalProperties: false },
);

/** Whom a revocation cuts off: one subject of one issuer, or every token of one application. */
export const RevokedIdentitySchema = Type.Union(
  [
    Type.Object(
      { issuer: Type.String({ minLength: 1 }), subject: Type.String({ minLength: 1 }) },
      { additionalProperties: false },
    ),
    Type.Object({ appId: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  ],
  { description: 'issuer + subject (one principal), or appId (the application, whatever issuer).' },
);

export const IdentityRevokedSchema = Type.Object(
  {
    revocationId: Type.String({ minLength: 1 }),
    identity: RevokedIdentitySchema,
    reason: Type.String({ description: 'Why; in the events only, never told to the client.' }),
    revokedBy: OperatorSchema,
    expiresAt: Type.Optional(
      Type.String({ format: 'date-time', description: 'The revocation ends by itself then.' }),
    ),
  },
  { additionalProperties: false },
);

export const IdentityRevocationLiftedSchema = Type.Object(
  {
    revocationId: Type.String({ minLength: 1 }),
    liftedBy: OperatorSchema,
    reason: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export type Operator = Static<typeof OperatorSchema>;
export type RevokedIdentity = Static<typeof RevokedIdentitySchema>;
export type SessionTerminationRequestedData = Static<typeof SessionTerminationRequestedSchema>;
export type IdentityRevokedData = Static<typeof IdentityRevokedSchema>;
export type IdentityRevocationLiftedData = Static<typeof IdentityRevocationLiftedSchema>;
