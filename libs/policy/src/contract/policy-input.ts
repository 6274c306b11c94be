/**
 * The input both entrypoints receive. The JSON Schema of record is
 * policies-rego/schemas/input.schema.json (mirrored in input-schema.ts).
 */
export type StatementKind =
  | 'select'
  | 'insert'
  | 'update'
  | 'delete'
  | 'merge'
  | 'create'
  | 'create_function'
  | 'alter'
  | 'alter_system'
  | 'drop'
  | 'truncate'
  | 'grant'
  | 'revoke'
  | 'role'
  | 'copy'
  | 'do'
  | 'call'
  | 'explain'
  | 'prepare'
  | 'execute'
  | 'deallocate'
  | 'transaction'
  | 'set'
  | 'show'
  | 'reset'
  | 'discard'
  | 'cursor'
  | 'lock'
  | 'vacuum'
  | 'analyze'
  | 'listen'
  | 'notify'
  | 'load'
  | 'other'
  | 'unparseable';

/** One statement as @portcullis/sql classifies it. */
export interface StatementClassification {
  kind: StatementKind;
  text: string;
  objects: string[];
  has_where: boolean;
  where_tautology: boolean;
  writes: boolean;
  nested_kinds: StatementKind[];
  functions: string[];
  columns_read: string[];
  explain_analyze: boolean;
  copy: { direction: 'from' | 'to'; program: boolean; stdio: boolean } | null;
  dynamic_sql: boolean;
  error?: string;
}

export interface PostgresCommand {
  text: string;
  protocol: 'postgres';
  statements: StatementClassification[];
  columns_read: string[];
}

export interface SshCommand {
  text: string;
  protocol: 'ssh';
  statements: [];
  /** The command's argv, program first. */
  argv: string[];
  /** The program that runs (after sudo, if any). */
  program: string;
  sudo: boolean;
}

export type Command = PostgresCommand | SshCommand;

export interface PolicyIdentity {
  subject: string;
  issuer: string;
  app_id?: string;
  kind?: string;
  groups?: string[];
  roles?: string[];
}

export interface PolicyTarget {
  name: string;
  protocol: 'postgres' | 'ssh';
  labels?: Record<string, string>;
}

export interface SessionInput {
  identity: PolicyIdentity;
  target: PolicyTarget;
  session?: { id?: string; client_ip?: string };
  approval?: { granted: boolean };
  /** Nanoseconds since the epoch; the engine fills it from its clock when absent. */
  now_ns?: number;
}

export interface CommandInput extends SessionInput {
  command: Command;
}
