import type { JsonSchema } from './check-schema.js';

/**
 * What operators may write in a policy data file (`policy.data` in
 * portcullis.yaml): the parts of `data.portcullis` the shipped rules read.
 * Published as policies-rego/schemas/data.schema.json (a test keeps the two
 * equal). Every object is closed: a misspelt key (`app_id` for `app_ids`) is
 * an error with its line, not a grant that silently matches nothing. The
 * schema applies to the data after it is merged over the bundle's defaults.
 */
const strings = { type: 'array', items: { type: 'string', minLength: 1 } } as const;
const maskMethod = { enum: ['redact', 'partial', 'hash'] } as const;
const detector = {
  enum: [
    'credit_card',
    'us_ssn',
    'iban',
    'email',
    'phone',
    'aws_access_key_id',
    'aws_secret_access_key',
    'jwt',
  ],
} as const;
const labelSelector = {
  type: 'object',
  description: 'Label name → allowed values; a target matches when every named label has an allowed value.',
  minProperties: 1,
  additionalProperties: strings,
} as const;
const review = {
  type: 'object',
  additionalProperties: false,
  properties: {
    approver_groups: { ...strings, description: 'Groups (token `groups` claim) whose members may approve.' },
    ttl_seconds: { type: 'integer', minimum: 1, description: 'How long approvers have to decide.' },
    min_approvals: { type: 'integer', minimum: 1 },
  },
} as const;
const columnMasks = {
  type: 'object',
  description: '`schema.table.column` → masking method.',
  propertyNames: { pattern: '^[^.]+\\.[^.]+\\.[^.]+$' },
  additionalProperties: maskMethod,
} as const;
const masking = {
  type: 'object',
  additionalProperties: false,
  properties: {
    columns: columnMasks,
    detectors: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['detector', 'method'],
        properties: { detector, method: maskMethod },
      },
    },
    detectors_off: { type: 'array', items: detector },
    derived: { enum: ['mask', 'deny'] },
  },
} as const;
const open = { type: 'object' } as const;
// PostgreSQL's identifier rules (63 bytes, unquoted form): the gateway quotes it, but a name needing quotes is a typo more often than not.
const postgresRole = {
  type: 'string',
  pattern: '^[A-Za-z_][A-Za-z0-9_$]{0,62}$',
  description:
    'The PostgreSQL role a session acts as: the gateway logs it in as a role made for the session, member of this one (a target with `credential.mode`).',
} as const;
const sshPrincipal = {
  type: 'string',
  pattern: '^[a-z_][a-z0-9_.-]{0,31}$',
  description:
    'The SSH principal (upstream user) a session acts as: the per-session certificate is valid for it only (a target with `credential: certificate`).',
} as const;

export const policyDataSchema: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://portcullis.dev/schemas/policy-data.json',
  title: 'Portcullis policy data (data.portcullis)',
  type: 'object',
  additionalProperties: false,
  properties: {
    issuers: {
      type: 'object',
      description: 'Trusted OIDC issuers by their exact `iss` value.',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: { description: { type: 'string' } },
      },
    },
    grants: {
      type: 'object',
      description: 'Who may open sessions to which targets. A grant names one issuer.',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['issuer'],
        properties: {
          description: { type: 'string' },
          issuer: { type: 'string', minLength: 1 },
          app_ids: { ...strings, description: 'Application (client) ids, the token `appid`/`azp`.' },
          groups: { ...strings, description: 'Any of these groups (token `groups` claim).' },
          roles: { ...strings, description: 'Any of these app roles (token `roles` claim).' },
          targets: { ...strings, description: 'Targets by name.' },
          target_labels: { type: 'array', items: labelSelector, description: 'Targets by label.' },
          session_review: { type: 'boolean', description: 'Each session needs a human approval first.' },
          expires_ns: { type: 'number', minimum: 0, description: 'The grant ends then (Unix ns).' },
          postgres_role: postgresRole,
          ssh_principal: sshPrincipal,
        },
      },
    },
    production_labels: {
      type: 'object',
      description: 'A target with one of these label values runs the production profile.',
      additionalProperties: strings,
    },
    review_defaults: review,
    targets: {
      type: 'object',
      description: 'Per-target settings, by target name.',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          review,
          session_review: { type: 'boolean' },
          postgres_role: {
            ...postgresRole,
            description: `${postgresRole.description} Used when no matching grant names one.`,
          },
          ssh_principal: {
            ...sshPrincipal,
            description: `${sshPrincipal.description} Used when no matching grant names one.`,
          },
          masking: {
            type: 'object',
            additionalProperties: false,
            properties: {
              columns: columnMasks,
              detectors_off: { type: 'array', items: detector },
              derived: { enum: ['mask', 'deny'] },
            },
          },
        },
      },
    },
    masking,
    // Rule profiles are the policy author's vocabulary: checked by the rules' own tests.
    postgres: open,
    ssh: open,
  },
};
