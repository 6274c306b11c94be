import { eventCatalog, eventTypes } from './catalog/index.js';

/**
 * The whole catalog as one JSON Schema document (draft 2020-12), for SIEM
 * users and other languages. `npm run build` also writes it to
 * `libs/events/schemas/event-catalog.schema.json`, and a test keeps that file
 * current.
 */
export function eventCatalogJsonSchema(): Record<string, unknown> {
  const envelope = {
    type: 'object',
    required: ['id', 'type', 'schemaVersion', 'data', 'metadata'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      type: { enum: eventTypes },
      schemaVersion: { type: 'integer', minimum: 1 },
      streamName: {
        type: 'string',
        description: '<category>-<id>: session-, approval-, policy-, gateway-, termination-, revocation-',
      },
      revision: { type: 'integer', minimum: 0 },
      hash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      metadata: {
        type: 'object',
        required: ['$correlationId', '$causationId', 'actor', 'gatewayInstance', 'recordedAt', 'prevHash'],
        properties: {
          $correlationId: { type: 'string' },
          $causationId: { type: ['string', 'null'] },
          actor: { type: 'string' },
          gatewayInstance: { type: 'string' },
          recordedAt: { type: 'string', format: 'date-time' },
          prevHash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        },
      },
    },
  };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://portcullis.dev/schemas/event-catalog.schema.json',
    title: 'Portcullis event catalog',
    description:
      'Every Portcullis event: an envelope whose `data` matches the schema named by `type` at `schemaVersion`.',
    allOf: [envelope],
    oneOf: eventTypes.map((type) => ({
      properties: {
        type: { const: type },
        schemaVersion: { const: eventCatalog[type].schemaVersion },
        data: { $ref: `#/$defs/${type}` },
      },
    })),
    $defs: Object.fromEntries(
      eventTypes.map((type) => [
        type,
        { ...structuredClone(eventCatalog[type].schema), 'x-category': eventCatalog[type].category },
      ]),
    ),
  };
}
