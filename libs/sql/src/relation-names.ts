import { type RangeVar } from 'libpg-query';

/**
 * "schema.name" for a relation as PostgreSQL resolves it: the parser has
 * already folded unquoted identifiers to lower case and kept quoted ones as
 * written, so the names are used as they come. An unqualified name gets the
 * default schema, which is where the default search_path puts new tables.
 */
export function qualifiedRelation(relation: RangeVar, defaultSchema: string): string {
  return `${relation.schemaname ?? defaultSchema}.${relation.relname ?? ''}`;
}

/** A dotted name given as parts (`DROP TABLE s.t`): the last two parts, qualified. */
export function qualifiedName(parts: readonly string[], defaultSchema: string): string {
  if (parts.length === 0) return '';
  if (parts.length === 1) return `${defaultSchema}.${parts[0]}`;
  return parts.slice(-2).join('.');
}
