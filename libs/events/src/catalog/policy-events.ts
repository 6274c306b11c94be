import Type, { type Static } from 'typebox';

/** Events of a `policy-<bundleName>` stream: which revision was active, when, by whom. */
export const PolicyActivatedSchema = Type.Object(
  {
    bundleName: Type.String({ minLength: 1 }),
    revision: Type.String(),
    digest: Type.String({ description: 'SHA-256 of the bundle files.' }),
    dataDigest: Type.Optional(
      Type.String({
        description:
          'SHA-256 of the operator policy data (policy.data) merged over the bundle, when there is any. The revision names its first 16 hex digits.',
      }),
    ),
    activatedBy: Type.String(),
  },
  { additionalProperties: false },
);
export const PolicyRejectedSchema = Type.Object(
  { bundleName: Type.String({ minLength: 1 }), source: Type.String(), reason: Type.String() },
  { additionalProperties: false },
);

export type PolicyActivatedData = Static<typeof PolicyActivatedSchema>;
export type PolicyRejectedData = Static<typeof PolicyRejectedSchema>;
