import { type Lineage, type OutputItem } from './lineage.js';

/**
 * One FROM item as seen by the expressions of its query: a base relation
 * ("schema.table") or a derived table (subquery, CTE, set-returning
 * function) whose output columns we may or may not know.
 */
export interface RangeEntry {
  /** The name expressions qualify columns with: the alias, else the relation name. */
  readonly alias: string;
  /** For base relations: "schema.table". */
  readonly relation?: string;
  /** For derived tables with a select list we could read. */
  readonly outputs?: readonly OutputItem[];
  /** For derived tables whose columns are unknown (functions): what their values come from. */
  readonly opaque?: Lineage;
}

/** One query level: its FROM items and its CTEs, inside the enclosing level. */
export class Scope {
  readonly entries: RangeEntry[] = [];
  private readonly ctes = new Map<string, readonly OutputItem[] | null>();

  constructor(readonly parent: Scope | null) {}

  /** `outputs` null: the CTE is being defined (a recursive reference to itself). */
  defineCte(name: string, outputs: readonly OutputItem[] | null): void {
    this.ctes.set(name, outputs);
  }

  /** The CTE a plain table name means here, searching outwards; undefined if it is a real table. */
  findCte(name: string): { outputs: readonly OutputItem[] | null } | undefined {
    if (this.ctes.has(name)) return { outputs: this.ctes.get(name) ?? null };
    return this.parent?.findCte(name);
  }
}
