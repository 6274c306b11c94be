/**
 * @portcullis/sql — statement classification on the real PostgreSQL parser.
 *
 *   await initSqlParser();                  // once: loads the WebAssembly parser
 *   const c = classifyCommand('DELETE FROM users WHERE 1=1');
 *   c.statements[0].kind;                   // 'delete'
 *   c.statements[0].where_tautology;        // true
 */
import { type ClassifyOptions, type CommandClassification } from './classification.js';
import { SqlClassifier } from './classify-command.js';
import { flowsOf, type SensitiveFlow } from './sensitive-flows.js';

export type {
  ClassifyOptions,
  CommandClassification,
  CopyClassification,
  StatementClassification,
  StatementKind,
} from './classification.js';
export { STATEMENT_KINDS } from './classification.js';
export { SqlClassifier, type SqlClassifierOptions } from './classify-command.js';
export { SqlParserNotReadyError } from './errors.js';
export { fingerprint, normalize } from './fingerprint.js';
export { copyOutput, type CopyOutput } from './copy-output.js';
export { initSqlParser, isSqlParserReady } from './parser.js';
export { roleChanges } from './role-changes.js';
export { isEffectFree } from './effect-free.js';
export type { SensitiveFlow, SensitiveFlowKind } from './sensitive-flows.js';

/** The process-wide classifier behind the functions below (1000 cached texts). */
export const defaultSqlClassifier = new SqlClassifier();

/** Classifies every statement of a command text. Requires `initSqlParser()` to have resolved. */
export function classifyCommand(text: string, options?: ClassifyOptions): CommandClassification {
  return defaultSqlClassifier.classifyCommand(text, options);
}

/**
 * For each statement of the text, how its result columns carry the given
 * sensitive columns ("schema.table.column"): one array per statement, one
 * entry per result column (a `*` over a table is one entry).
 */
export function sensitiveFlows(
  text: string,
  sensitiveColumns: readonly string[],
  options?: ClassifyOptions,
): SensitiveFlow[][] {
  return defaultSqlClassifier
    .analyse(text, options)
    .statements.map((statement) => flowsOf(statement.outputs, sensitiveColumns, options));
}
