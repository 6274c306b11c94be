import Type, { type Static } from 'typebox';
import { ASYMMETRIC_ALGORITHMS } from './algorithms.js';

const Seconds = (description: string) => Type.Integer({ minimum: 0, description });
const ClaimPath = (description: string) => Type.String({ minLength: 1, description });

/**
 * Where to find identity fields in a generic issuer's claims: a dotted path
 * (`realm_access.roles`) or, for claim names that contain dots or slashes,
 * a JSON Pointer (`/https:~1~1example.com~1roles`).
 */
export const ClaimPathsSchema = Type.Object(
  {
    subject: Type.Optional(ClaimPath('Stable principal id. Default: sub.')),
    appId: Type.Optional(ClaimPath('OAuth client id. Default: client_id, then azp.')),
    groups: Type.Optional(ClaimPath('Array of group names or ids. Default: groups.')),
    roles: Type.Optional(ClaimPath('Array of role names. Default: roles.')),
    tenantId: Type.Optional(ClaimPath('Tenant id, checked against allowedTenants. Default: tid.')),
  },
  { additionalProperties: false },
);

/** One trusted token issuer. */
export const IssuerConfigSchema = Type.Object(
  {
    issuer: Type.String({
      minLength: 1,
      description:
        'Exact `iss` value (a trailing slash matters). Entra multi-tenant: put {tenantid} where the tenant goes and list allowedTenants.',
    }),
    audiences: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description: 'Accepted `aud` values; a token must name at least one.',
    }),
    jwksUrl: Type.Optional(Type.String({ minLength: 1, description: 'https URL (http only on loopback).' })),
    discoveryUrl: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'OIDC discovery document; default <issuer>/.well-known/openid-configuration.',
      }),
    ),
    flavor: Type.Optional(Type.Union([Type.Literal('entra'), Type.Literal('generic')])),
    algorithms: Type.Optional(
      Type.Array(Type.Union(ASYMMETRIC_ALGORITHMS.map((alg) => Type.Literal(alg))), { minItems: 1 }),
    ),
    clockSkewSeconds: Type.Optional(Seconds('Tolerance for exp/nbf/iat. Default 60.')),
    requiredClaims: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    maxTokenBytes: Type.Optional(Type.Integer({ minimum: 256, description: 'Default 16384.' })),
    claims: Type.Optional(ClaimPathsSchema),
    identityKind: Type.Optional(
      Type.Union([Type.Literal('service_principal'), Type.Literal('user')], {
        description: 'Generic issuers only: the kind every principal of this issuer is.',
      }),
    ),
    allowedTenants: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    jwksRefreshSeconds: Type.Optional(
      Seconds('Refetch the JWKS in the background after this age. Default 600.'),
    ),
    jwksMaxStaleSeconds: Type.Optional(
      Seconds(
        'Keep using cached keys this long after the last good fetch while the endpoint is down. Default 3600.',
      ),
    ),
    jwksRefetchMinIntervalSeconds: Type.Optional(
      Seconds('At most one JWKS fetch per this interval (unknown kid storms). Default 30.'),
    ),
  },
  { additionalProperties: false },
);

/** The identity section of the gateway configuration: the trusted issuers. */
export const IdentityConfigSchema = Type.Array(IssuerConfigSchema, { minItems: 1, $id: 'IdentityConfig' });

export type ClaimPaths = Static<typeof ClaimPathsSchema>;
export type IssuerConfig = Static<typeof IssuerConfigSchema>;
export type IdentityConfig = Static<typeof IdentityConfigSchema>;
