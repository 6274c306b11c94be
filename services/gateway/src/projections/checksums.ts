import type { SqlExecutor } from '@portcullis/eventstore';
import type { Projection } from './projection.js';

export interface TableChecksum {
  readonly table: string;
  readonly rows: number;
  /** md5 of every row's text form, in that text's order: equal tables, equal checksums. */
  readonly md5: string;
}

/** Row counts and checksums of a projection's tables (a full scan of each). */
export async function projectionChecksums(db: SqlExecutor, projection: Projection): Promise<TableChecksum[]> {
  const checksums: TableChecksum[] = [];
  for (const table of projection.tables) {
    const { rows } = await db.query<{ rows: number; md5: string }>(
      `SELECT count(*)::int AS rows, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS md5
         FROM ${table} AS t`,
    );
    checksums.push({ table, rows: rows[0]!.rows, md5: rows[0]!.md5 });
  }
  return checksums;
}

/** Row counts only (cheap enough for `projections list`). */
export async function projectionRowCounts(
  db: SqlExecutor,
  projection: Projection,
): Promise<{ table: string; rows: number }[]> {
  const counts: { table: string; rows: number }[] = [];
  for (const table of projection.tables) {
    const { rows } = await db.query<{ rows: number }>(`SELECT count(*)::int AS rows FROM ${table}`);
    counts.push({ table, rows: rows[0]!.rows });
  }
  return counts;
}
