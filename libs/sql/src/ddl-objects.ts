import { asNode, stringsOf, type Node } from './nodes.js';
import { qualifiedName } from './relation-names.js';

/**
 * Objects that DDL names as bare name lists rather than RangeVars, so the
 * generic walk does not see them: DROP TABLE/VIEW/INDEX/SEQUENCE/SCHEMA,
 * GRANT ... ON ALL TABLES IN SCHEMA s ("s.*"), CREATE SCHEMA.
 */
const relationDrops = new Set([
  'OBJECT_TABLE',
  'OBJECT_VIEW',
  'OBJECT_MATVIEW',
  'OBJECT_INDEX',
  'OBJECT_SEQUENCE',
  'OBJECT_FOREIGN_TABLE',
]);

export function namedObjects(statement: Node, defaultSchema: string): string[] {
  const drop = asNode(statement, 'DropStmt');
  if (drop !== undefined) {
    if (relationDrops.has(drop.removeType ?? '')) {
      return (drop.objects ?? []).map((o) =>
        qualifiedName(stringsOf(asNode(o, 'List')?.items), defaultSchema),
      );
    }
    // DROP SCHEMA lists plain String nodes: a schema is named "schema".
    if (drop.removeType === 'OBJECT_SCHEMA') return stringsOf(drop.objects);
    return [];
  }
  const grant = asNode(statement, 'GrantStmt');
  if (grant?.targtype === 'ACL_TARGET_ALL_IN_SCHEMA')
    return stringsOf(grant.objects).map((schema) => `${schema}.*`);
  const schema = asNode(statement, 'CreateSchemaStmt');
  if (schema?.schemaname !== undefined) return [schema.schemaname];
  return [];
}
