import Type, { type Static } from 'typebox';

/**
 * Events of a `session-<sessionId>` stream about the credential the session
 * reaches its upstream with (docs/pg-proxy.md "Upstream credentials",
 * docs/ssh-proxy.md "A certificate per session"). Never a password or a
 * private key: names, validity and fingerprints only.
 */
const SessionId = Type.String({ minLength: 1, description: 'The gateway session id (a uuid).' });

export const CredentialMechanismSchema = Type.Union(
  [Type.Literal('ephemeral-role'), Type.Literal('set-role'), Type.Literal('certificate')],
  {
    description:
      'ephemeral-role: a PostgreSQL login role made for the session; set-role: the administrative connection switched to the granted role with SET ROLE (weaker); certificate: an SSH user certificate signed by the gateway CA.',
  },
);

export const UpstreamCredentialIssuedSchema = Type.Object(
  {
    sessionId: SessionId,
    mechanism: CredentialMechanismSchema,
    role: Type.Optional(
      Type.String({ description: 'PostgreSQL: the role the session logs in as (ephemeral-role).' }),
    ),
    grantedRole: Type.Optional(
      Type.String({ description: 'PostgreSQL: the role policy granted; the session acts with its rights.' }),
    ),
    principal: Type.Optional(
      Type.String({ description: 'SSH: the principal (user) the certificate is valid for.' }),
    ),
    keyId: Type.Optional(Type.String({ description: "SSH: the certificate's key id (in sshd's log)." })),
    serial: Type.Optional(Type.String({ description: "SSH: the certificate's serial, a decimal u64." })),
    fingerprint: Type.Optional(
      Type.String({
        description: 'SSH: SHA256 fingerprint of the ephemeral public key, as ssh-keygen -l shows it.',
      }),
    ),
    validAfter: Type.Optional(Type.String({ format: 'date-time' })),
    validUntil: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'After this the upstream refuses new logins with it (VALID UNTIL, valid-before).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const UpstreamCredentialRevokedSchema = Type.Object(
  {
    sessionId: SessionId,
    mechanism: CredentialMechanismSchema,
    role: Type.Optional(Type.String({ description: 'PostgreSQL: the role dropped (ephemeral-role).' })),
    reason: Type.Union([Type.Literal('session_closed'), Type.Literal('swept_after_restart')], {
      description:
        'session_closed: dropped when its session ended; swept_after_restart: left behind by a gateway that died, found and dropped at the next start.',
    }),
    backendsTerminated: Type.Optional(
      Type.Integer({ minimum: 0, description: "The role's upstream backends ended before it was dropped." }),
    ),
  },
  { additionalProperties: false },
);

export type CredentialMechanism = Static<typeof CredentialMechanismSchema>;
export type UpstreamCredentialIssuedData = Static<typeof UpstreamCredentialIssuedSchema>;
export type UpstreamCredentialRevokedData = Static<typeof UpstreamCredentialRevokedSchema>;
