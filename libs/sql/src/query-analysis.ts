import { type StatementKind } from './classification.js';
import { resolveColumn } from './column-resolution.js';
import { runsSqlText, writesData } from './function-effects.js';
import { derivedFrom, lineageOfOutputs, noLineage, type Lineage, type OutputItem } from './lineage.js';
import { asNode, stringsOf, tagOf, type Node, type NodeBody } from './nodes.js';
import { qualifiedRelation } from './relation-names.js';
import { Scope, type RangeEntry } from './scope.js';
import { statementKindOf } from './statement-kind.js';
import { outputName } from './output-name.js';
import { isTautology } from './where-tautology.js';

type Reads = Set<string>;
type RangeVar = NodeBody<'RangeVar'>;
type SelectStmt = NodeBody<'SelectStmt'>;

/**
 * Walks one statement's parse tree and gathers what a policy needs: the
 * relations touched, the functions called, the columns read (resolved
 * through aliases, subqueries and CTEs with query-level scopes), the DML
 * nested anywhere, and the lineage of the result columns (for masking).
 *
 * SELECT/INSERT/UPDATE/DELETE/MERGE are walked clause by clause, because
 * scoping depends on the clause; every other node is walked generically, so
 * a node type we did not think of is still searched for relations,
 * functions and queries inside it.
 */
export class StatementAnalysis {
  readonly objects = new Set<string>();
  readonly functions = new Set<string>();
  readonly reads: Reads = new Set();
  readonly nestedKinds = new Set<StatementKind>();
  /** UPDATE/DELETE statements seen, and how many of them had a WHERE. */
  updatesAndDeletes = 0;
  withWhere = 0;
  whereTautology = false;
  writes = false;
  dynamicSql = false;

  constructor(private readonly defaultSchema: string) {}

  /** Analyses a whole statement; returns its result columns (empty for non-queries). */
  run(statement: Node): readonly OutputItem[] {
    return this.query(statement, null, this.reads);
  }

  query(node: Node, parent: Scope | null, reads: Reads): readonly OutputItem[] {
    const select = asNode(node, 'SelectStmt');
    if (select !== undefined) return this.select(select, parent, reads);
    const insert = asNode(node, 'InsertStmt');
    if (insert !== undefined) return this.insert(insert, parent, reads);
    const update = asNode(node, 'UpdateStmt');
    if (update !== undefined) return this.update(update, parent, reads);
    const del = asNode(node, 'DeleteStmt');
    if (del !== undefined) return this.delete(del, parent, reads);
    const merge = asNode(node, 'MergeStmt');
    if (merge !== undefined) return this.merge(merge, parent, reads);
    // CALL carries its FuncCall unwrapped, where the generic walk cannot tell it is one.
    const call = asNode(node, 'CallStmt')?.funccall;
    if (call !== undefined) this.expr({ FuncCall: call }, new Scope(parent), reads);
    else this.walkFields(node, new Scope(parent), reads);
    return [];
  }

  private select(s: SelectStmt, parent: Scope | null, reads: Reads): readonly OutputItem[] {
    const scope = new Scope(parent);
    if (s.withClause) this.withClause(s.withClause, scope, reads);
    if (s.op !== undefined && s.op !== 'SETOP_NONE' && s.larg && s.rarg) {
      const left = this.select(s.larg, scope, reads);
      const right = this.select(s.rarg, scope, reads);
      this.exprs([...(s.sortClause ?? []), s.limitCount, s.limitOffset], scope, reads);
      return mergeSetOperation(left, right);
    }
    if (s.intoClause?.rel) {
      // SELECT ... INTO creates a table: PostgreSQL runs it as CREATE TABLE AS.
      this.objects.add(qualifiedRelation(s.intoClause.rel, this.defaultSchema));
      this.nestedKinds.add('create');
      this.writes = true;
    }
    if (s.valuesLists) return this.values(s.valuesLists, scope, reads);
    for (const item of s.fromClause ?? []) this.fromItem(item, scope, reads);
    const outputs = this.targets(s.targetList ?? [], scope, reads);
    const outputNames = new Set(outputs.map((o) => (o.star ? undefined : o.name)));
    this.exprs(
      [s.whereClause, s.havingClause, ...(s.windowClause ?? []), s.limitCount, s.limitOffset],
      scope,
      reads,
    );
    // ORDER BY / GROUP BY may name an output column; that is not another read.
    for (const node of [...(s.sortClause ?? []), ...(s.groupClause ?? []), ...(s.distinctClause ?? [])]) {
      const inner = asNode(node, 'SortBy')?.node ?? node;
      const ref = asNode(inner, 'ColumnRef');
      const single = ref?.fields?.length === 1 ? stringsOf(ref.fields)[0] : undefined;
      if (single !== undefined && outputNames.has(single)) continue;
      this.expr(node, scope, reads);
    }
    return outputs;
  }

  private values(rows: readonly Node[], scope: Scope, reads: Reads): OutputItem[] {
    const columns: Lineage[][] = [];
    for (const row of rows) {
      (asNode(row, 'List')?.items ?? []).forEach((value, i) => {
        (columns[i] ??= []).push(this.expr(value, scope, reads));
      });
    }
    return columns.map((parts, i) => ({
      star: false,
      name: `column${i + 1}`,
      lineage: derivedFrom(parts),
      target: i,
    }));
  }

  private insert(i: NodeBody<'InsertStmt'>, parent: Scope | null, reads: Reads): readonly OutputItem[] {
    this.writes = true;
    const scope = new Scope(parent);
    if (i.withClause) this.withClause(i.withClause, scope, reads);
    if (i.selectStmt) this.query(i.selectStmt, scope, reads);
    const target = this.target(i.relation);
    const conflict = i.onConflictClause;
    if (conflict) {
      // `excluded` is the row being inserted: client data, not a read.
      const conflictScope = new Scope(scope);
      if (target) conflictScope.entries.push(target);
      conflictScope.entries.push({ alias: 'excluded', opaque: noLineage });
      this.exprs([conflict.whereClause, conflict.infer?.whereClause], conflictScope, reads);
      for (const t of conflict.targetList ?? []) this.assignment(t, conflictScope, reads);
    }
    if (target) scope.entries.push(target);
    return this.targets(i.returningClause?.exprs ?? [], scope, reads);
  }

  private update(u: NodeBody<'UpdateStmt'>, parent: Scope | null, reads: Reads): readonly OutputItem[] {
    this.writes = true;
    const scope = new Scope(parent);
    if (u.withClause) this.withClause(u.withClause, scope, reads);
    const target = this.target(u.relation);
    if (target) scope.entries.push(target);
    for (const item of u.fromClause ?? []) this.fromItem(item, scope, reads);
    for (const t of u.targetList ?? []) this.assignment(t, scope, reads);
    this.where(u.whereClause, scope, reads);
    return this.targets(u.returningClause?.exprs ?? [], scope, reads);
  }

  private delete(d: NodeBody<'DeleteStmt'>, parent: Scope | null, reads: Reads): readonly OutputItem[] {
    this.writes = true;
    const scope = new Scope(parent);
    if (d.withClause) this.withClause(d.withClause, scope, reads);
    const target = this.target(d.relation);
    if (target) scope.entries.push(target);
    for (const item of d.usingClause ?? []) this.fromItem(item, scope, reads);
    this.where(d.whereClause, scope, reads);
    return this.targets(d.returningClause?.exprs ?? [], scope, reads);
  }

  private merge(m: NodeBody<'MergeStmt'>, parent: Scope | null, reads: Reads): readonly OutputItem[] {
    this.writes = true;
    const scope = new Scope(parent);
    if (m.withClause) this.withClause(m.withClause, scope, reads);
    const target = this.target(m.relation);
    if (target) scope.entries.push(target);
    if (m.sourceRelation) this.fromItem(m.sourceRelation, scope, reads);
    this.expr(m.joinCondition, scope, reads);
    for (const clause of m.mergeWhenClauses ?? []) {
      const when = asNode(clause, 'MergeWhenClause');
      if (when === undefined) continue;
      this.expr(when.condition, scope, reads);
      for (const t of when.targetList ?? []) this.assignment(t, scope, reads);
      this.exprs(when.values ?? [], scope, reads);
    }
    return this.targets(m.returningClause?.exprs ?? [], scope, reads);
  }

  private where(where: Node | undefined, scope: Scope, reads: Reads): void {
    this.updatesAndDeletes += 1;
    if (where === undefined) return;
    this.withWhere += 1;
    if (isTautology(where)) this.whereTautology = true;
    this.expr(where, scope, reads);
  }

  /** The target of INSERT/UPDATE/DELETE/MERGE: always a real table, never a CTE of the same name. */
  private target(relation: RangeVar | undefined): RangeEntry | undefined {
    if (relation === undefined) return undefined;
    const name = qualifiedRelation(relation, this.defaultSchema);
    this.objects.add(name);
    return { alias: relation.alias?.aliasname ?? relation.relname ?? '', relation: name };
  }

  /** `SET col = expr` / `SET (a, b) = (SELECT ...)`: the column is written, the expression read. */
  private assignment(target: Node, scope: Scope, reads: Reads): void {
    const res = asNode(target, 'ResTarget');
    const value = res?.val;
    const multi = asNode(value, 'MultiAssignRef');
    // Each column of a multi-assignment repeats the same source: walk it once.
    if (multi !== undefined) {
      if (multi.colno === 1) this.expr(multi.source, scope, reads);
      return;
    }
    this.expr(value, scope, reads);
  }

  private withClause(w: NodeBody<'WithClause'>, scope: Scope, reads: Reads): void {
    for (const node of w.ctes ?? []) {
      const cte = asNode(node, 'CommonTableExpr');
      if (cte?.ctequery === undefined) continue;
      const name = cte.ctename ?? '';
      if (w.recursive) scope.defineCte(name, null);
      const kind = statementKindOf(cte.ctequery);
      if (kind !== 'select') this.nestedKinds.add(kind);
      const outputs = this.query(cte.ctequery, scope, reads);
      scope.defineCte(name, renamed(outputs, stringsOf(cte.aliascolnames)));
    }
  }

  private fromItem(node: Node, scope: Scope, reads: Reads): void {
    const rangeVar = asNode(node, 'RangeVar');
    if (rangeVar !== undefined) {
      scope.entries.push(this.rangeVarEntry(rangeVar, scope));
      return;
    }
    const sub = asNode(node, 'RangeSubselect');
    if (sub?.subquery !== undefined) {
      const outputs = this.query(sub.subquery, scope, reads);
      scope.entries.push({
        alias: sub.alias?.aliasname ?? '',
        outputs: renamed(outputs, stringsOf(sub.alias?.colnames)),
      });
      return;
    }
    const join = asNode(node, 'JoinExpr');
    if (join !== undefined) {
      const before = scope.entries.length;
      if (join.larg) this.fromItem(join.larg, scope, reads);
      if (join.rarg) this.fromItem(join.rarg, scope, reads);
      const joined = scope.entries.slice(before);
      for (const name of stringsOf(join.usingClause)) this.readColumn([name], false, scope, reads);
      this.expr(join.quals, scope, reads);
      // `(a JOIN b) AS j` hides a and b behind j: j's columns are theirs.
      if (join.alias?.aliasname)
        scope.entries.push({ alias: join.alias.aliasname, outputs: joined.flatMap(expand) });
      return;
    }
    const sample = asNode(node, 'RangeTableSample');
    if (sample !== undefined) {
      if (sample.relation) this.fromItem(sample.relation, scope, reads);
      this.exprs([...(sample.args ?? []), sample.repeatable], scope, reads);
      return;
    }
    const fn = asNode(node, 'RangeFunction');
    const alias = fn?.alias ?? asNode(node, 'RangeTableFunc')?.alias ?? asNode(node, 'JsonTable')?.alias;
    // Functions, XMLTABLE, JSON_TABLE: columns unknown, values derived from their arguments.
    const lineage = this.walkFields(node, scope, reads);
    const name = alias?.aliasname ?? functionNameOf(fn) ?? '';
    scope.entries.push({ alias: name, opaque: lineage });
  }

  private rangeVarEntry(rangeVar: RangeVar, scope: Scope): RangeEntry {
    const alias = rangeVar.alias?.aliasname ?? rangeVar.relname ?? '';
    const cte = rangeVar.schemaname === undefined ? scope.findCte(rangeVar.relname ?? '') : undefined;
    if (cte !== undefined) {
      if (cte.outputs === null) return { alias, opaque: noLineage };
      return { alias, outputs: renamed(cte.outputs, stringsOf(rangeVar.alias?.colnames)) };
    }
    const relation = qualifiedRelation(rangeVar, this.defaultSchema);
    this.objects.add(relation);
    // `FROM t AS x(a, b)` renames t's columns by position, which we cannot
    // map without the catalog: every column of x may be any column of t.
    if (rangeVar.alias?.colnames?.length)
      return { alias, opaque: { sources: new Set([`${relation}.*`]), plain: false } };
    return { alias, relation };
  }

  /** The result columns of a select list or RETURNING, expanding stars. */
  private targets(list: readonly Node[], scope: Scope, reads: Reads): OutputItem[] {
    const outputs: OutputItem[] = [];
    for (const [target, node] of list.entries()) {
      const res = asNode(node, 'ResTarget');
      const value = res?.val ?? node;
      const ref = asNode(value, 'ColumnRef');
      if (ref?.fields && tagOf(ref.fields[ref.fields.length - 1]!) === 'A_Star') {
        const qualifier = stringsOf(ref.fields);
        const entries = qualifier.length === 0 ? scope.entries : findByAlias(scope, qualifier);
        for (const entry of entries) {
          for (const item of expand(entry)) {
            addOutputReads(item, reads);
            outputs.push({ ...item, target });
          }
        }
        continue;
      }
      const lineage = this.expr(value, scope, reads);
      outputs.push({ star: false, name: res?.name ?? outputName(value), lineage, target });
    }
    return outputs;
  }

  private readColumn(names: readonly string[], star: boolean, scope: Scope, reads: Reads): Lineage {
    const lineage = resolveColumn({ names, star }, scope);
    for (const source of lineage.sources) reads.add(source);
    return lineage;
  }

  private exprs(nodes: readonly (Node | undefined)[], scope: Scope, reads: Reads): void {
    for (const node of nodes) this.expr(node, scope, reads);
  }

  /** An expression's lineage; records the reads, calls and queries inside it. */
  expr(node: Node | undefined, scope: Scope, reads: Reads): Lineage {
    if (node === undefined) return noLineage;
    const tag = tagOf(node);
    switch (tag) {
      case 'ColumnRef': {
        const fields = asNode(node, 'ColumnRef')?.fields ?? [];
        const last = fields[fields.length - 1];
        const star = last !== undefined && tagOf(last) === 'A_Star';
        return this.readColumn(stringsOf(fields), star, scope, reads);
      }
      case 'FuncCall': {
        const call = asNode(node, 'FuncCall')!;
        const name = stringsOf(call.funcname).join('.');
        this.functions.add(name);
        if (runsSqlText(name)) this.dynamicSql = true;
        if (writesData(name)) this.writes = true;
        return this.walkFields(node, scope, reads);
      }
      case 'SubLink': {
        const link = asNode(node, 'SubLink')!;
        const inner: Reads = new Set();
        const outputs = link.subselect ? this.query(link.subselect, scope, inner) : [];
        const test = this.expr(link.testexpr, scope, reads);
        for (const source of inner) reads.add(source);
        return derivedFrom([{ sources: inner, plain: false }, lineageOfOutputs(outputs), test]);
      }
      case 'SelectStmt':
      case 'InsertStmt':
      case 'UpdateStmt':
      case 'DeleteStmt':
      case 'MergeStmt':
        // Reached only through a statement that carries a statement: the
        // query under EXPLAIN, PREPARE, COPY, CREATE ... AS, DECLARE, a rule.
        this.nestedKinds.add(statementKindOf(node));
        return lineageOfOutputs(this.query(node, scope, reads));
      case 'RangeVar':
        this.relationMention(asNode(node, 'RangeVar')!, scope);
        return noLineage;
      case 'A_Const':
      case 'ParamRef':
      case 'String':
        return noLineage;
      default:
        return this.walkFields(node, scope, reads);
    }
  }

  /** A relation named outside a FROM list (DDL, LOCK, TRUNCATE, ...). */
  private relationMention(rangeVar: RangeVar, scope: Scope): void {
    if (rangeVar.schemaname === undefined && scope.findCte(rangeVar.relname ?? '')) return;
    this.objects.add(qualifiedRelation(rangeVar, this.defaultSchema));
  }

  /** The generic walk: every child node, wrapped or not, derived into one lineage. */
  private walkFields(node: Node, scope: Scope, reads: Reads): Lineage {
    const parts: Lineage[] = [];
    this.walkValue((node as Record<string, unknown>)[tagOf(node)], scope, reads, parts);
    return derivedFrom(parts);
  }

  private walkValue(value: unknown, scope: Scope, reads: Reads, parts: Lineage[]): void {
    if (typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      for (const item of value) this.walkValue(item, scope, reads, parts);
      return;
    }
    const record = value as Record<string, unknown>;
    if (isWrappedNode(record)) {
      const lineage = this.expr(record as Node, scope, reads);
      if (lineage.sources.size > 0) parts.push(lineage);
      return;
    }
    // Message-typed fields come unwrapped; a RangeVar is the one with `relname`.
    if (typeof record.relname === 'string') {
      this.relationMention(record as RangeVar, scope);
      return;
    }
    for (const key in record) this.walkValue(record[key], scope, reads, parts);
  }
}

/** A wrapped node is `{ TypeName: {...} }`; message fields start lower-case. */
function isWrappedNode(record: Record<string, unknown>): boolean {
  let count = 0;
  let first = '';
  for (const key in record) {
    if (count++ === 0) first = key;
    else return false;
  }
  const c = first.charCodeAt(0);
  return count === 1 && c >= 65 && c <= 90;
}

function findByAlias(scope: Scope, qualifier: readonly string[]): RangeEntry[] {
  const alias = qualifier[qualifier.length - 1];
  for (let level: Scope | null = scope; level !== null; level = level.parent) {
    const found = level.entries.filter((entry) => entry.alias === alias);
    if (found.length > 0) return found.slice(0, 1);
  }
  return [];
}

/** What `*` over one FROM item yields. */
function expand(entry: RangeEntry): OutputItem[] {
  if (entry.relation !== undefined) return [{ star: true, relations: [entry.relation], target: 0 }];
  if (entry.outputs !== undefined) return [...entry.outputs];
  return [{ star: false, name: null, lineage: entry.opaque ?? noLineage, target: 0 }];
}

function addOutputReads(item: OutputItem, reads: Reads): void {
  if (item.star) for (const relation of item.relations) reads.add(`${relation}.*`);
  else for (const source of item.lineage.sources) reads.add(source);
}

/** Column aliases (`AS x(a, b)`, `WITH c(a, b)`) rename the first outputs by position. */
function renamed(outputs: readonly OutputItem[], names: readonly string[]): readonly OutputItem[] {
  if (names.length === 0) return outputs;
  // Positions are only meaningful while no star of unknown width precedes them.
  return outputs.map((item, i) => {
    if (item.star || i >= names.length || outputs.slice(0, i).some((o) => o.star)) return item;
    return { ...item, name: names[i]! };
  });
}

/**
 * UNION/INTERSECT/EXCEPT: the names come from the left branch; a column is
 * plain only if every branch passes the same column through.
 */
function mergeSetOperation(left: readonly OutputItem[], right: readonly OutputItem[]): OutputItem[] {
  if (left.some((o) => o.star) || right.some((o) => o.star) || left.length !== right.length) {
    // Widths unknown: keep both sides' lineage, positions unreliable.
    return [...left, ...right].map((item) =>
      item.star ? item : { ...item, lineage: derivedFrom([item.lineage]) },
    );
  }
  return left.map((item, i) => {
    const other = right[i]!;
    if (item.star || other.star) return item;
    const same =
      item.lineage.plain &&
      other.lineage.plain &&
      item.lineage.sources.size === other.lineage.sources.size &&
      [...item.lineage.sources].every((s) => other.lineage.sources.has(s));
    if (same) return item;
    const sources = new Set([...item.lineage.sources, ...other.lineage.sources]);
    return { ...item, lineage: { sources, plain: false } };
  });
}

function functionNameOf(fn: NodeBody<'RangeFunction'> | undefined): string | undefined {
  const first = asNode(fn?.functions?.[0], 'List')?.items?.[0];
  const call = asNode(first, 'FuncCall');
  const names = stringsOf(call?.funcname);
  return names[names.length - 1];
}
