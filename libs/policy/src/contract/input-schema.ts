// Mirror of policies-rego/schemas/input.schema.json, kept in code so the
// engine needs no file outside its package at run time. A unit test fails
// when the two drift apart.
import { type JsonSchema } from './check-schema.js';

export const policyInputSchema: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://portcullis.dev/schemas/policy-input.schema.json',
  title: 'Portcullis policy input',
  description:
    'What the gateway passes to portcullis/session/decision and portcullis/command/decision. The command is absent for session decisions.',
  type: 'object',
  required: ['identity', 'target'],
  properties: {
    identity: {
      type: 'object',
      description: 'The verified OIDC identity.',
      required: ['subject', 'issuer'],
      properties: {
        subject: {
          type: 'string',
        },
        issuer: {
          type: 'string',
        },
        app_id: {
          type: 'string',
        },
        kind: {
          type: 'string',
          description: 'service_principal, workload, agent, user ...',
        },
        groups: {
          type: 'array',
          items: {
            type: 'string',
          },
        },
        roles: {
          type: 'array',
          items: {
            type: 'string',
          },
        },
      },
    },
    target: {
      type: 'object',
      required: ['name', 'protocol'],
      properties: {
        name: {
          type: 'string',
        },
        protocol: {
          enum: ['postgres', 'ssh'],
        },
        labels: {
          type: 'object',
          additionalProperties: {
            type: 'string',
          },
        },
      },
    },
    session: {
      type: 'object',
      properties: {
        id: {
          type: 'string',
        },
        client_ip: {
          type: 'string',
        },
      },
    },
    command: {
      $ref: '#/$defs/command',
    },
    approval: {
      type: 'object',
      required: ['granted'],
      properties: {
        granted: {
          type: 'boolean',
        },
      },
    },
    now_ns: {
      type: 'integer',
      minimum: 0,
      description:
        'Wall-clock time in nanoseconds since the epoch, supplied by the host so the policy needs no clock.',
    },
  },
  $defs: {
    statement_kind: {
      enum: [
        'select',
        'insert',
        'update',
        'delete',
        'merge',
        'create',
        'create_function',
        'alter',
        'alter_system',
        'drop',
        'truncate',
        'grant',
        'revoke',
        'role',
        'copy',
        'do',
        'call',
        'explain',
        'prepare',
        'execute',
        'deallocate',
        'transaction',
        'set',
        'show',
        'reset',
        'discard',
        'cursor',
        'lock',
        'vacuum',
        'analyze',
        'listen',
        'notify',
        'load',
        'other',
        'unparseable',
      ],
    },
    command: {
      type: 'object',
      required: ['text', 'protocol'],
      properties: {
        text: {
          type: 'string',
        },
        protocol: {
          enum: ['postgres', 'ssh'],
        },
        statements: {
          type: 'array',
          items: {
            $ref: '#/$defs/statement',
          },
        },
        columns_read: {
          type: 'array',
          items: {
            type: 'string',
          },
        },
        argv: {
          type: 'array',
          items: {
            type: 'string',
          },
        },
        program: {
          type: 'string',
        },
        sudo: {
          type: 'boolean',
        },
      },
    },
    statement: {
      type: 'object',
      description: 'One statement as classified by @portcullis/sql.',
      required: [
        'kind',
        'text',
        'objects',
        'has_where',
        'where_tautology',
        'writes',
        'nested_kinds',
        'functions',
        'columns_read',
        'explain_analyze',
        'copy',
        'dynamic_sql',
      ],
      properties: {
        kind: {
          $ref: '#/$defs/statement_kind',
        },
        text: {
          type: 'string',
        },
        objects: {
          type: 'array',
          items: {
            type: 'string',
          },
        },
        has_where: {
          type: 'boolean',
        },
        where_tautology: {
          type: 'boolean',
        },
        writes: {
          type: 'boolean',
        },
        nested_kinds: {
          type: 'array',
          items: {
            $ref: '#/$defs/statement_kind',
          },
        },
        functions: {
          type: 'array',
          items: {
            type: 'string',
          },
        },
        columns_read: {
          type: 'array',
          items: {
            type: 'string',
          },
        },
        explain_analyze: {
          type: 'boolean',
        },
        copy: {
          anyOf: [
            {
              type: 'null',
            },
            {
              type: 'object',
              required: ['direction', 'program', 'stdio'],
              properties: {
                direction: {
                  enum: ['from', 'to'],
                },
                program: {
                  type: 'boolean',
                },
                stdio: {
                  type: 'boolean',
                },
              },
            },
          ],
        },
        dynamic_sql: {
          type: 'boolean',
        },
        error: {
          type: 'string',
        },
      },
    },
  },
};
