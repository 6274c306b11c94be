import { type ClassifyOptions } from './classification.js';
import { type Lineage, type OutputItem } from './lineage.js';

/**
 * How a result column relates to the sensitive columns, from the parse tree
 * alone (the proxy adds RowDescription table OIDs at run time):
 *  - plain: it is a sensitive column passed through (also under an alias or a
 *    star), so a value-preserving mask by column name works;
 *  - derived: it is computed from a sensitive column (cast, function,
 *    concatenation, aggregate, row_to_json of a row, subquery, CASE...), so
 *    only masking the whole value, or refusing, is safe;
 *  - clean: no sensitive column flows into it.
 */
export type SensitiveFlowKind = 'plain' | 'derived' | 'clean';

export interface SensitiveFlow {
  /** 0-based position of the target in the select list (or RETURNING list). */
  target: number;
  /** 0-based position in the result row, or null when an earlier star of unknown width precedes it. */
  column: number | null;
  /** The result column's name; null for a star over a table and for `?column?`. */
  name: string | null;
  /** A `*` over a base table: it stands for all of that table's columns. */
  star: boolean;
  flow: SensitiveFlowKind;
  /** The sensitive columns ("schema.table.column") that flow into it. */
  sensitive: string[];
}

export function flowsOf(
  outputs: readonly OutputItem[],
  sensitiveColumns: readonly string[],
  options: ClassifyOptions = {},
): SensitiveFlow[] {
  const sensitive = new SensitiveSet(sensitiveColumns, options.defaultSchema ?? 'public');
  const flows: SensitiveFlow[] = [];
  let column: number | null = 0;
  for (const item of outputs) {
    if (item.star) {
      const hits = item.relations.flatMap((relation) => sensitive.ofRelation(relation));
      flows.push({
        target: item.target,
        column,
        name: null,
        star: true,
        flow: hits.length > 0 ? 'plain' : 'clean',
        sensitive: hits,
      });
      column = null; // the table's width is not known from the text
      continue;
    }
    const hits = sensitive.of(item.lineage);
    const flow: SensitiveFlowKind = hits.length === 0 ? 'clean' : item.lineage.plain ? 'plain' : 'derived';
    flows.push({ target: item.target, column, name: item.name, star: false, flow, sensitive: hits });
    if (column !== null) column += 1;
  }
  return flows;
}

class SensitiveSet {
  private readonly columns: Set<string>;
  private readonly byRelation = new Map<string, string[]>();

  constructor(columns: readonly string[], defaultSchema: string) {
    // "table.column" is accepted as shorthand for the default schema.
    this.columns = new Set(columns.map((c) => (c.split('.').length === 2 ? `${defaultSchema}.${c}` : c)));
    for (const column of this.columns) {
      const relation = column.slice(0, column.lastIndexOf('.'));
      const list = this.byRelation.get(relation) ?? [];
      list.push(column);
      this.byRelation.set(relation, list);
    }
  }

  ofRelation(relation: string): string[] {
    return this.byRelation.get(relation) ?? [];
  }

  of(lineage: Lineage): string[] {
    const hits = new Set<string>();
    for (const source of lineage.sources) {
      if (source.endsWith('.*')) for (const c of this.ofRelation(source.slice(0, -2))) hits.add(c);
      else if (this.columns.has(source)) hits.add(source);
    }
    return [...hits].sort();
  }
}
