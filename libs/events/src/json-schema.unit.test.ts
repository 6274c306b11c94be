import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { eventCatalogJsonSchema } from './json-schema.js';
import { eventTypes } from './catalog/index.js';

const committed = new URL('../schemas/event-catalog.schema.json', import.meta.url);

test('the committed JSON Schema of the catalog is current (run `npm run events:schema` if not)', () => {
  const expected = JSON.stringify(eventCatalogJsonSchema(), null, 2) + '\n';
  assert.equal(readFileSync(committed, 'utf8'), expected);
});

test('the JSON Schema defines every event type', () => {
  const defs = eventCatalogJsonSchema().$defs as Record<string, unknown>;
  assert.deepEqual(Object.keys(defs).sort(), [...eventTypes].sort());
});
