/**
 * Where the values of an expression come from: the base columns it reads
 * ("schema.table.column", or "schema.table.*" for a whole row or a star),
 * and whether it passes one column through unchanged (`plain`), which is
 * what makes a result column maskable by name.
 */
export interface Lineage {
  readonly sources: ReadonlySet<string>;
  readonly plain: boolean;
}

export const noLineage: Lineage = { sources: new Set(), plain: false };

/** One output column of a query or a derived table. */
export type OutputItem = (
  | { readonly star: false; readonly name: string | null; readonly lineage: Lineage }
  /**
   * The columns of base relations expanded by a `*`: their names are not
   * known without the catalog, but a name looked up through it is the
   * relation's column of that name, passed through plainly.
   */
  | { readonly star: true; readonly relations: readonly string[] }
) & {
  /** Which select-list (or RETURNING) target produced it: one `*` yields several items. */
  readonly target: number;
};

/** Values computed from several inputs: the union of sources, never plain. */
export function derivedFrom(parts: readonly Lineage[]): Lineage {
  if (parts.length === 0) return noLineage;
  if (parts.length === 1)
    return parts[0]!.sources.size === 0 ? noLineage : { sources: parts[0]!.sources, plain: false };
  const sources = new Set<string>();
  for (const part of parts) for (const source of part.sources) sources.add(source);
  return { sources, plain: false };
}

/** The lineage of everything a list of output items carries. */
export function lineageOfOutputs(items: readonly OutputItem[]): Lineage {
  const sources = new Set<string>();
  for (const item of items) {
    if (item.star) for (const relation of item.relations) sources.add(`${relation}.*`);
    else for (const source of item.lineage.sources) sources.add(source);
  }
  return { sources, plain: false };
}
