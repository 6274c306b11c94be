/**
 * The classification contract. It goes verbatim into the Rego input
 * (`input.command.statements`, `input.command.columns_read`), hence the
 * snake_case field names. Agreed with the policy authors: change it only
 * together with `policies-rego/`.
 */
export const STATEMENT_KINDS = [
  'select',
  'insert',
  'update',
  'delete',
  'merge',
  'create',
  /** CREATE FUNCTION/PROCEDURE/TRIGGER/RULE/EXTENSION/LANGUAGE/EVENT TRIGGER/TRANSFORM. */
  'create_function',
  'alter',
  'alter_system',
  'drop',
  'truncate',
  'grant',
  'revoke',
  /** CREATE/ALTER/DROP ROLE|USER|GROUP, ALTER DEFAULT PRIVILEGES. */
  'role',
  'copy',
  'do',
  'call',
  'explain',
  'prepare',
  'execute',
  'deallocate',
  /** BEGIN/START/COMMIT/ROLLBACK/SAVEPOINT/RELEASE/PREPARE TRANSACTION/COMMIT PREPARED. */
  'transaction',
  'set',
  'show',
  'reset',
  'discard',
  /** DECLARE/FETCH/MOVE/CLOSE. */
  'cursor',
  'lock',
  'vacuum',
  'analyze',
  'listen',
  'notify',
  'load',
  /** Parsed, but none of the above (CHECKPOINT, CLUSTER, REINDEX, REFRESH ...). */
  'other',
  /** The parser rejected the text. */
  'unparseable',
] as const;
export type StatementKind = (typeof STATEMENT_KINDS)[number];

export interface CopyClassification {
  direction: 'from' | 'to';
  /** `PROGRAM '...'`: the server runs a shell command. */
  program: boolean;
  /** `STDIN`/`STDOUT`: data travels over the client connection, not a server file. */
  stdio: boolean;
}

export interface StatementClassification {
  kind: StatementKind;
  /** The text of this one statement, without the separating `;`. */
  text: string;
  /** Relations touched, "schema.name" (schemas themselves as "schema"). CTE names are not objects. */
  objects: string[];
  /** Every UPDATE/DELETE in the statement (nested ones included) has a WHERE; false if there is none. */
  has_where: boolean;
  /** Some UPDATE/DELETE WHERE is always true (`1=1`, `x = x`, `x OR true`, ...). */
  where_tautology: boolean;
  /** Changes data or schema; statements whose effect cannot be seen here (DO, EXECUTE, CALL) count as writes. */
  writes: boolean;
  /** Statements nested inside: DML in CTEs, the statement under EXPLAIN/PREPARE/COPY/CREATE ... AS/DECLARE. */
  nested_kinds: StatementKind[];
  /** Functions called, as written ("pg_read_file", "pg_catalog.lo_import"); unquoted names lower-cased. */
  functions: string[];
  /** "schema.table.column" read; "schema.table.*" for a star or a whole-row reference. */
  columns_read: string[];
  /** EXPLAIN with ANALYZE: the statement under it really runs. */
  explain_analyze: boolean;
  copy: CopyClassification | null;
  /** The real statement is not visible here: DO, EXECUTE, functions that run SQL text. */
  dynamic_sql: boolean;
  /** Only for 'unparseable': the parser's message with the position. */
  error?: string;
}

export interface CommandClassification {
  statements: StatementClassification[];
  /** Union of the statements' `columns_read`, sorted. */
  columns_read: string[];
}

export interface ClassifyOptions {
  /** Schema for unqualified relation names; PostgreSQL's default search_path resolves to "public". */
  defaultSchema?: string;
}
