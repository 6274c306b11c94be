import Type, { type Static } from 'typebox';

/**
 * The identity an OIDC token proved, as docs/architecture.md fixes it. Field names are
 * snake_case because the same object is the policy input's `identity`.
 */
export const IdentitySchema = Type.Object(
  {
    subject: Type.String({ minLength: 1 }),
    issuer: Type.String({ minLength: 1 }),
    app_id: Type.Optional(Type.String()),
    kind: Type.Union([Type.Literal('service_principal'), Type.Literal('user'), Type.Literal('unknown')]),
    groups: Type.Array(Type.String()),
    roles: Type.Array(Type.String()),
    tenant_id: Type.Optional(Type.String()),
  },
  { additionalProperties: false, $id: 'Identity' },
);
export type Identity = Static<typeof IdentitySchema>;
