/**
 * The input both entrypoints receive. The JSON Schema of record is
 * policies-rego/schemas/input.schema.json (mirrored in input-schema.ts).
 * The statement classification is @portcullis/sql's: one definition, shared by
 * the classifier that produces it and the engine that hands it to Rego.
 */
import type { StatementClassification } from '@portcullis/sql/classification';
export type { StatementKind, StatementClassification } from '@portcullis/sql/classification';

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
