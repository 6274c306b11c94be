import { scanSync } from 'libpg-query';
import { asNode, bodyOf, tagOf, type Node } from './nodes.js';
import { parseStatements } from './parser.js';

/** What a `COPY … TO STDOUT` sends the client, as far as masking its rows needs to know. */
export interface CopyOutput {
  /**
   * A query with the same output columns as the COPY, in order, to describe
   * them on the same session (search_path and temporary tables as the COPY
   * sees them): `SELECT … FROM ONLY t` for `COPY t (…)`, the inner query for
   * `COPY (query)`.
   */
  readonly source: string;
  readonly format: 'text' | 'csv' | 'binary';
  /** Every other option, lower-case name → value as written (`'true'` for a bare boolean, `'*'` for all). */
  readonly options: Readonly<Record<string, string>>;
}

/**
 * For one statement that is `COPY … TO STDOUT`: its output's source query,
 * format and options. Null for anything else (another statement, COPY FROM,
 * a file or PROGRAM, text that does not parse as exactly one statement).
 * Requires `initSqlParser()` to have resolved.
 */
export function copyOutput(statementText: string): CopyOutput | null {
  const parsed = parseStatements(statementText);
  if (!parsed.ok || parsed.stmts.length !== 1) return null;
  const copy = asNode(parsed.stmts[0]!.stmt, 'CopyStmt');
  if (copy === undefined || copy.is_from || copy.is_program || copy.filename !== undefined) return null;
  const source = copy.relation ? relationSource(copy.relation, copy.attlist) : innerQuery(statementText);
  if (source === null) return null;
  let format: CopyOutput['format'] = 'text';
  const options: Record<string, string> = {};
  for (const option of copy.options ?? []) {
    const element = asNode(option, 'DefElem');
    if (!element?.defname) return null;
    const value = optionValue(element.arg);
    if (element.defname === 'format') {
      if (value !== 'text' && value !== 'csv' && value !== 'binary') return null;
      format = value;
    } else {
      options[element.defname.toLowerCase()] = value;
    }
  }
  return { source, format, options };
}

function relationSource(
  relation: { schemaname?: string; relname?: string },
  attlist: readonly Node[] | undefined,
): string | null {
  if (!relation.relname) return null;
  const name = [relation.schemaname, relation.relname].filter((p) => p !== undefined).map(quoteIdent);
  const columns = (attlist ?? []).map((item) => asNode(item, 'String')?.sval);
  if (columns.some((c) => c === undefined)) return null;
  const list = columns.length === 0 ? '*' : columns.map((c) => quoteIdent(c!)).join(', ');
  // ONLY: COPY of a table sends its own rows, not its children's.
  return `SELECT ${list} FROM ONLY ${name.join('.')}`;
}

/** The text between `COPY (` and its matching `)`, found with PostgreSQL's own scanner. */
function innerQuery(text: string): string | null {
  let tokens;
  try {
    tokens = scanSync(text).tokens;
  } catch {
    return null;
  }
  if (tokens[0]?.text.toUpperCase() !== 'COPY' || tokens[1]?.text !== '(') return null;
  let depth = 0;
  for (let i = 1; i < tokens.length; i++) {
    const token = tokens[i]!.text;
    if (token === '(') depth++;
    else if (token === ')' && --depth === 0) {
      // Token offsets count bytes of UTF-8.
      return Buffer.from(text, 'utf8').subarray(tokens[1]!.end, tokens[i]!.start).toString('utf8');
    }
  }
  return null;
}

function optionValue(arg: Node | undefined): string {
  if (arg === undefined) return 'true';
  switch (tagOf(arg)) {
    case 'String':
      return asNode(arg, 'String')?.sval ?? '';
    case 'Boolean':
      return String(asNode(arg, 'Boolean')?.boolval ?? false);
    case 'Integer':
      return String(asNode(arg, 'Integer')?.ival ?? 0);
    case 'A_Star':
      return '*';
    case 'List':
      return ((bodyOf(arg) as { items?: Node[] }).items ?? [])
        .map((item) => asNode(item, 'String')?.sval ?? '')
        .join(',');
    default:
      return JSON.stringify(bodyOf(arg));
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
