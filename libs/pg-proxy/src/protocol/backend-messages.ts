/** Values carried by server → client messages, as we write and decode them. */
import { type FormatCode } from './messages.js';

/** ReadyForQuery status: idle, in a transaction block, in a failed transaction block. */
export type TransactionStatus = 'I' | 'T' | 'E';

/**
 * Fields of ErrorResponse and NoticeResponse
 * (https://www.postgresql.org/docs/current/protocol-error-fields.html).
 * `severity` is written both localized (S) and not (V); we never localize.
 */
export interface NoticeFields {
  readonly severity: 'ERROR' | 'FATAL' | 'PANIC' | 'WARNING' | 'NOTICE' | 'DEBUG' | 'INFO' | 'LOG';
  /** SQLSTATE, e.g. `42501` (insufficient privilege) or `28P01` (invalid password). */
  readonly code: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
}

/** Every field of a decoded ErrorResponse/NoticeResponse, keyed by its one-letter field type. */
export type DecodedNoticeFields = Readonly<Record<string, string>>;

/** One column of a RowDescription. */
export interface RowField {
  readonly name: string;
  /** OID of the table the column comes from, or 0. */
  readonly tableOid: number;
  /** Attribute number of the column in that table, or 0. */
  readonly columnNumber: number;
  readonly typeOid: number;
  /** pg_type.typlen: negative for variable-width types. */
  readonly typeSize: number;
  readonly typeModifier: number;
  readonly format: FormatCode;
}

/** A decoded Authentication (`R`) request from the server. */
export type AuthenticationRequest =
  | { readonly kind: 'ok' }
  | { readonly kind: 'cleartextPassword' }
  | { readonly kind: 'md5Password'; readonly salt: Buffer }
  | { readonly kind: 'sasl'; readonly mechanisms: readonly string[] }
  | { readonly kind: 'saslContinue'; readonly data: Buffer }
  | { readonly kind: 'saslFinal'; readonly data: Buffer }
  /** Kerberos, GSSAPI, SSPI: methods we do not speak. */
  | { readonly kind: 'unsupported'; readonly code: number };

export interface BackendKey {
  readonly processId: number;
  readonly secretKey: number;
}
