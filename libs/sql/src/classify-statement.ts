import { type ClassifyOptions, type StatementClassification, type StatementKind } from './classification.js';
import { copyOf, copyReads } from './copy-direction.js';
import { namedObjects } from './ddl-objects.js';
import { type OutputItem } from './lineage.js';
import { asNode, stringsOf, tagOf, type Node } from './nodes.js';
import { StatementAnalysis } from './query-analysis.js';
import { kindWrites, statementKindOf } from './statement-kind.js';

export const DEFAULT_SCHEMA = 'public';

export interface AnalysedStatement {
  classification: StatementClassification;
  /** The statement's result columns with their lineage (for masking). */
  outputs: readonly OutputItem[];
}

/** Classifies one parsed statement; `text` is its own text. */
export function analyseStatement(
  statement: Node,
  text: string,
  options: ClassifyOptions = {},
): AnalysedStatement {
  const defaultSchema = options.defaultSchema ?? DEFAULT_SCHEMA;
  const kind = statementKindOf(statement);
  const analysis = new StatementAnalysis(defaultSchema);
  const outputs = analysis.run(statement);
  for (const object of namedObjects(statement, defaultSchema)) analysis.objects.add(object);
  for (const column of copyReads(statement, defaultSchema)) analysis.reads.add(column);

  const explainAnalyze = isExplainAnalyze(statement);
  const copy = copyOf(statement);
  const classification: StatementClassification = {
    kind,
    text,
    objects: [...analysis.objects].sort(),
    has_where: analysis.updatesAndDeletes > 0 && analysis.withWhere === analysis.updatesAndDeletes,
    where_tautology: analysis.whereTautology,
    writes: writes(kind, statement, analysis, explainAnalyze, copy?.direction),
    nested_kinds: [...analysis.nestedKinds],
    functions: [...analysis.functions].sort(),
    columns_read: [...analysis.reads].sort(),
    explain_analyze: explainAnalyze,
    copy,
    dynamic_sql: kind === 'do' || kind === 'execute' || analysis.dynamicSql,
  };
  return { classification, outputs };
}

function writes(
  kind: StatementKind,
  statement: Node,
  analysis: StatementAnalysis,
  explainAnalyze: boolean,
  copyDirection: 'from' | 'to' | undefined,
): boolean {
  // The statement under plain EXPLAIN or PREPARE is planned, not run.
  if (kind === 'prepare' || (kind === 'explain' && !explainAnalyze)) return false;
  if (copyDirection === 'from' || tagOf(statement) === 'RefreshMatViewStmt') return true;
  return kindWrites(kind) || analysis.writes;
}

/** EXPLAIN (ANALYZE), EXPLAIN ANALYZE, EXPLAIN (ANALYZE true|on|1); not ANALYZE false/off/0. */
function isExplainAnalyze(statement: Node): boolean {
  const explain = asNode(statement, 'ExplainStmt');
  for (const option of explain?.options ?? []) {
    const def = asNode(option, 'DefElem');
    if (def?.defname !== 'analyze') continue;
    return optionIsOn(def.arg);
  }
  return false;
}

function optionIsOn(arg: Node | undefined): boolean {
  if (arg === undefined) return true;
  const constant = asNode(arg, 'A_Const');
  const boolean = asNode(arg, 'Boolean');
  if (boolean !== undefined) return boolean.boolval ?? false;
  const text = (
    constant?.sval?.sval ??
    (constant?.ival ? String(constant.ival.ival ?? 0) : undefined) ??
    stringsOf([arg])[0] ??
    ''
  ).toLowerCase();
  return !['false', 'off', '0', 'no', 'f', 'n'].includes(text);
}
