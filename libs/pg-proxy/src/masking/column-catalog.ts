import type { CatalogConnection } from './catalog-connection.js';

/** A relation as the upstream's catalog describes it. */
export interface CatalogRelation {
  readonly oid: number;
  /** "schema.name" */
  readonly name: string;
  /** pg_class.relkind: r table, v view, m materialized view, p partitioned table, f foreign table… */
  readonly kind: string;
  /** attnum → "schema.table.column" */
  readonly columns: ReadonlyMap<number, string>;
  /** For views and materialized views: pg_get_viewdef, fully qualified. */
  readonly definition: string | null;
}

/** Bounds on what one session keeps and asks for. */
const MAX_RELATIONS = 10_000;
const MAX_PER_QUERY = 500;

/**
 * Resolves RowDescription fields (table OID, attribute number) to
 * `schema.table.column`. Cached per session; `invalidate()` after any DDL
 * completes in the session (the catalog connection sees other sessions'
 * committed DDL too, but a cache entry can only go stale through DDL, and
 * the worst a stale entry from another session's rename does is name a
 * column by its old name — see README "Limits").
 *
 * `null` in the caches means "asked, not found".
 */
export class ColumnCatalog {
  private readonly byOid = new Map<number, CatalogRelation | null>();
  private readonly byName = new Map<string, number | null>();

  constructor(private readonly connection: () => Promise<CatalogConnection>) {}

  relation(oid: number): CatalogRelation | null | undefined {
    return this.byOid.get(oid);
  }

  relationNamed(name: string): CatalogRelation | null | undefined {
    const oid = this.byName.get(name);
    if (oid === undefined) return undefined;
    return oid === null ? null : (this.byOid.get(oid) ?? undefined);
  }

  /** True when every OID and name is already known (found or not). */
  knows(oids: Iterable<number>, names: Iterable<string>): boolean {
    for (const oid of oids) if (!this.byOid.has(oid)) return false;
    for (const name of names) if (!this.byName.has(name)) return false;
    return true;
  }

  invalidate(): void {
    this.byOid.clear();
    this.byName.clear();
  }

  /** Loads what is not cached yet; rejects (fail closed upstream of here) when the catalog cannot be read. */
  async load(oids: Iterable<number>, names: Iterable<string>): Promise<void> {
    const wantedOids = [...new Set(oids)].filter((oid) => !this.byOid.has(oid)).slice(0, MAX_PER_QUERY);
    const wantedNames = [...new Set(names)].filter((n) => !this.byName.has(n)).slice(0, MAX_PER_QUERY);
    if (wantedOids.length === 0 && wantedNames.length === 0) return;
    if (this.byOid.size > MAX_RELATIONS) this.invalidate();
    const rows = await (await this.connection()).query(catalogQuery(wantedOids, wantedNames));
    const found = new Map<
      number,
      { name: string; kind: string; definition: string | null; columns: Map<number, string> }
    >();
    for (const [oid, schema, relname, kind, attnum, attname, definition] of rows) {
      const key = Number(oid);
      let relation = found.get(key);
      if (!relation) {
        relation = {
          name: `${schema}.${relname}`,
          kind: kind ?? '',
          definition: definition ?? null,
          columns: new Map(),
        };
        found.set(key, relation);
      }
      if (attnum !== null && attname !== null)
        relation.columns.set(Number(attnum), `${relation.name}.${attname}`);
    }
    for (const oid of wantedOids) this.byOid.set(oid, null);
    for (const name of wantedNames) this.byName.set(name, null);
    for (const [oid, relation] of found) {
      this.byOid.set(oid, { oid, ...relation });
      this.byName.set(relation.name, oid);
    }
  }
}

function catalogQuery(oids: readonly number[], names: readonly string[]): string {
  const oidList = oids.filter((oid) => Number.isInteger(oid) && oid > 0 && oid <= 0xffffffff).join(',');
  // Names come from the client's statement text: literals, quotes doubled
  // (standard_conforming_strings is on in this session), NUL refused.
  const nameList = names
    .filter((name) => !name.includes('\u0000'))
    .map((name) => `'${name.replaceAll("'", "''")}'`)
    .join(',');
  return `SELECT c.oid, n.nspname, c.relname, c.relkind, a.attnum, a.attname,
  CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.oid = ANY ('{${oidList}}'::pg_catalog.oid[])
   OR n.nspname OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) c.relname = ANY (ARRAY[${nameList}]::pg_catalog.text[])`;
}
