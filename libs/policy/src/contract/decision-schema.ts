// Mirror of policies-rego/schemas/decision.schema.json, kept in code so the
// engine needs no file outside its package at run time. A unit test fails
// when the two drift apart.
import { type JsonSchema } from './check-schema.js';

export const policyDecisionSchema: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://portcullis.dev/schemas/policy-decision.schema.json',
  title: 'Portcullis policy decision',
  description:
    'What both entrypoints return. Strictest wins: allow is true only when deny is empty and no review is required.',
  type: 'object',
  required: ['allow', 'deny', 'review', 'mask'],
  properties: {
    allow: {
      type: 'boolean',
    },
    deny: {
      type: 'array',
      items: {
        type: 'string',
      },
      description: 'Why the request is denied; any entry denies, whatever allow says.',
    },
    review: {
      type: 'object',
      required: ['required', 'approver_groups', 'ttl_seconds', 'min_approvals'],
      properties: {
        required: {
          type: 'boolean',
          description: 'Pause for just-in-time approval before proceeding.',
        },
        reasons: {
          type: 'array',
          items: {
            type: 'string',
          },
          description: 'Why approval is (or, once granted, was) needed.',
        },
        approver_groups: {
          type: 'array',
          items: {
            type: 'string',
          },
        },
        ttl_seconds: {
          type: 'integer',
          minimum: 1,
        },
        min_approvals: {
          type: 'integer',
          minimum: 1,
        },
      },
    },
    mask: {
      type: 'array',
      items: {
        anyOf: [
          {
            type: 'object',
            required: ['column', 'method'],
            properties: {
              column: {
                type: 'string',
              },
              method: {
                enum: ['redact', 'partial', 'hash'],
              },
            },
          },
          {
            type: 'object',
            required: ['detector', 'method'],
            properties: {
              detector: {
                type: 'string',
              },
              method: {
                enum: ['redact', 'partial', 'hash'],
              },
            },
          },
        ],
      },
    },
    mask_derived: {
      enum: ['mask', 'deny'],
      description:
        "What the proxy does with a result column derived from a sensitive column through an expression it cannot trace: mask it (with the source column's method) or deny the statement. Present on command decisions.",
    },
    upstream: {
      type: 'object',
      additionalProperties: false,
      description:
        'Session decisions: who the session acts as upstream, when policy data names it (postgres_role / ssh_principal of the grant or target). The gateway issues a credential for exactly that, for this session only.',
      properties: {
        role: { type: 'string', minLength: 1, description: 'PostgreSQL: the granted role.' },
        principal: { type: 'string', minLength: 1, description: 'SSH: the certificate principal.' },
      },
    },
    reuse_until_ns: {
      type: 'number',
      description:
        "Command decisions: until when (Unix ns) this decision stays what a fresh evaluation of the same input (now_ns aside) would return. The host may reuse it for an identical command of the same session up to then; absent means never reuse. The shipped rules read the clock only through grants' expires_ns, so it is the next expiry of a grant of the issuer (at most an hour ahead).",
    },
  },
};
