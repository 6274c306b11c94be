import { lineageOfOutputs, noLineage, type Lineage } from './lineage.js';
import { type RangeEntry, type Scope } from './scope.js';

/**
 * Resolves a column reference to the base columns it may read, the way
 * PostgreSQL's parse analysis would, minus the catalog: without knowing
 * which columns a table has, an unqualified name may belong to any table
 * in scope. We then over-approximate, because a guard that misses a read
 * of a sensitive column is worse than one that lists an extra candidate.
 *
 *  - `t.c` / `s.t.c`: the FROM item named t (innermost query level first).
 *  - `c`: every FROM item of the innermost level that may have c. A derived
 *    table whose select list names c settles it (PostgreSQL would reject
 *    the ambiguity otherwise); when only base relations may have it, the
 *    enclosing levels are candidates too (a correlated reference).
 *  - `t` alone, naming a FROM item, may also be a whole-row reference.
 */
export type ColumnPath = { names: readonly string[]; star: boolean };

export function resolveColumn(path: ColumnPath, scope: Scope): Lineage {
  const { names, star } = path;
  if (names.length === 0) return star ? starOfLevel(scope) : noLineage;
  if (star) {
    const entry = findEntry(names, scope);
    return entry === undefined ? noLineage : wholeRow(entry);
  }
  if (names.length === 1) return resolveUnqualified(names[0]!, scope);
  const entry = findEntry(names.slice(0, -1), scope);
  if (entry === undefined) return noLineage;
  const found = columnOf(entry, names[names.length - 1]!);
  return found?.lineage ?? noLineage;
}

function resolveUnqualified(name: string, scope: Scope): Lineage {
  const candidates: Lineage[] = [];
  for (let level: Scope | null = scope; level !== null; level = level.parent) {
    const definite: Lineage[] = [];
    for (const entry of level.entries) {
      const found = columnOf(entry, name);
      if (found === undefined) continue;
      (found.definite ? definite : candidates).push(found.lineage);
    }
    if (definite.length > 0) {
      candidates.push(...definite);
      break;
    }
  }
  const row = findEntry([name], scope);
  if (row !== undefined) candidates.push(wholeRow(row));
  return mergeCandidates(candidates);
}

/** Several candidates for one reference: it reads any of them; still plain if each is. */
function mergeCandidates(candidates: readonly Lineage[]): Lineage {
  if (candidates.length === 0) return noLineage;
  if (candidates.length === 1) return candidates[0]!;
  const sources = new Set<string>();
  let plain = true;
  for (const candidate of candidates) {
    for (const source of candidate.sources) sources.add(source);
    plain &&= candidate.plain;
  }
  return { sources, plain };
}

function columnOf(entry: RangeEntry, name: string): { lineage: Lineage; definite: boolean } | undefined {
  if (entry.relation !== undefined) {
    return { lineage: { sources: new Set([`${entry.relation}.${name}`]), plain: true }, definite: false };
  }
  if (entry.opaque !== undefined) return { lineage: entry.opaque, definite: false };
  let viaStar: Lineage | undefined;
  for (const item of entry.outputs ?? []) {
    if (!item.star && item.name === name) return { lineage: item.lineage, definite: true };
    if (item.star) {
      const sources = new Set(item.relations.map((relation) => `${relation}.${name}`));
      viaStar = mergeCandidates(
        viaStar === undefined ? [{ sources, plain: true }] : [viaStar, { sources, plain: true }],
      );
    }
  }
  return viaStar === undefined ? undefined : { lineage: viaStar, definite: false };
}

/** The FROM item a qualifier names: `t`, or `s.t` (a base relation only). */
function findEntry(qualifier: readonly string[], scope: Scope): RangeEntry | undefined {
  const alias = qualifier[qualifier.length - 1]!;
  const relation = qualifier.length >= 2 ? qualifier.slice(-2).join('.') : undefined;
  for (let level: Scope | null = scope; level !== null; level = level.parent) {
    for (const entry of level.entries) {
      if (entry.alias !== alias) continue;
      if (relation === undefined || entry.relation === relation) return entry;
    }
  }
  return undefined;
}

function wholeRow(entry: RangeEntry): Lineage {
  if (entry.relation !== undefined) return { sources: new Set([`${entry.relation}.*`]), plain: false };
  if (entry.opaque !== undefined) return entry.opaque;
  return lineageOfOutputs(entry.outputs ?? []);
}

/** A bare `*` in an expression (`count(*)` is not one): every row of the innermost FROM. */
function starOfLevel(scope: Scope): Lineage {
  const sources = new Set<string>();
  for (const entry of scope.entries) for (const source of wholeRow(entry).sources) sources.add(source);
  return { sources, plain: false };
}
