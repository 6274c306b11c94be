/**
 * Writers for the server → client messages the proxy originates itself:
 * authentication of its own clients, errors and notices, and rewritten
 * results (masked rows). One small function per message.
 */
import { BufferWriter } from './buffer-writer.js';
import { AuthenticationCode, BackendCode } from './message-codes.js';
import type { NoticeFields, RowField, TransactionStatus } from './backend-messages.js';

// One writer for all messages: it hands each finished frame off and starts a fresh buffer.
const writer = new BufferWriter();

/**
 * Messages without a variable body are built once. Callers share these
 * buffers, so they must treat them as read-only (sockets do).
 */
const fixed = (code: BackendCode): Buffer => writer.frame(code);
const PARSE_COMPLETE = fixed(BackendCode.ParseComplete);
const BIND_COMPLETE = fixed(BackendCode.BindComplete);
const CLOSE_COMPLETE = fixed(BackendCode.CloseComplete);
const NO_DATA = fixed(BackendCode.NoData);
const EMPTY_QUERY_RESPONSE = fixed(BackendCode.EmptyQueryResponse);
const AUTHENTICATION_OK = writer.int32(AuthenticationCode.Ok).frame(BackendCode.Authentication);
const AUTHENTICATION_CLEARTEXT_PASSWORD = writer
  .int32(AuthenticationCode.CleartextPassword)
  .frame(BackendCode.Authentication);

export const authenticationOk = (): Buffer => AUTHENTICATION_OK;
export const authenticationCleartextPassword = (): Buffer => AUTHENTICATION_CLEARTEXT_PASSWORD;

export function authenticationSASL(mechanisms: readonly string[]): Buffer {
  writer.int32(AuthenticationCode.SASL);
  for (const mechanism of mechanisms) writer.cstring(mechanism);
  return writer.byte(0).frame(BackendCode.Authentication);
}

export function authenticationSASLContinue(data: Uint8Array): Buffer {
  return writer.int32(AuthenticationCode.SASLContinue).bytes(data).frame(BackendCode.Authentication);
}

export function authenticationSASLFinal(data: Uint8Array): Buffer {
  return writer.int32(AuthenticationCode.SASLFinal).bytes(data).frame(BackendCode.Authentication);
}

export function parameterStatus(name: string, value: string): Buffer {
  return writer.cstring(name).cstring(value).frame(BackendCode.ParameterStatus);
}

export function backendKeyData(processId: number, secretKey: number): Buffer {
  return writer.int32(processId).int32(secretKey).frame(BackendCode.BackendKeyData);
}

export function readyForQuery(status: TransactionStatus): Buffer {
  return writer.byte(status.charCodeAt(0)).frame(BackendCode.ReadyForQuery);
}

export function errorResponse(fields: NoticeFields): Buffer {
  return noticeFields(fields).frame(BackendCode.ErrorResponse);
}

export function noticeResponse(fields: NoticeFields): Buffer {
  return noticeFields(fields).frame(BackendCode.NoticeResponse);
}

/**
 * An ErrorResponse or NoticeResponse from decoded fields, in their order:
 * how the proxy relays a server's message after masking some of its fields.
 */
export function noticeFrame(
  code: BackendCode.ErrorResponse | BackendCode.NoticeResponse,
  fields: Readonly<Record<string, string>>,
): Buffer {
  for (const [type, value] of Object.entries(fields)) field(type, value);
  return writer.byte(0).frame(code);
}

export function commandComplete(tag: string): Buffer {
  return writer.cstring(tag).frame(BackendCode.CommandComplete);
}

/** CopyData: a piece of a COPY stream (the proxy sends masked rows in their place). */
export function copyData(bytes: Uint8Array): Buffer {
  return writer.bytes(bytes).frame(BackendCode.CopyData);
}

export const emptyQueryResponse = (): Buffer => EMPTY_QUERY_RESPONSE;
export const parseComplete = (): Buffer => PARSE_COMPLETE;
export const bindComplete = (): Buffer => BIND_COMPLETE;
export const closeComplete = (): Buffer => CLOSE_COMPLETE;
export const noData = (): Buffer => NO_DATA;

export function rowDescription(fields: readonly RowField[]): Buffer {
  writer.int16(fields.length);
  for (const field of fields) {
    writer
      .cstring(field.name)
      .uint32(field.tableOid)
      .int16(field.columnNumber)
      .uint32(field.typeOid)
      .int16(field.typeSize)
      .int32(field.typeModifier)
      .int16(field.format);
  }
  return writer.frame(BackendCode.RowDescription);
}

/** A row of already-encoded values (text or binary, as the RowDescription says); null is SQL NULL. */
export function dataRow(values: readonly (Uint8Array | string | null)[]): Buffer {
  writer.int16(values.length);
  for (const value of values) {
    if (value === null) {
      writer.int32(-1);
    } else {
      const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
      writer.int32(bytes.length).bytes(bytes);
    }
  }
  return writer.frame(BackendCode.DataRow);
}

export function parameterDescription(typeOids: readonly number[]): Buffer {
  writer.int16(typeOids.length);
  for (const oid of typeOids) writer.uint32(oid);
  return writer.frame(BackendCode.ParameterDescription);
}

function noticeFields(fields: NoticeFields): BufferWriter {
  field('S', fields.severity);
  field('V', fields.severity);
  field('C', fields.code);
  field('M', fields.message);
  if (fields.detail !== undefined) field('D', fields.detail);
  if (fields.hint !== undefined) field('H', fields.hint);
  return writer.byte(0);
}

function field(type: string, value: string): void {
  writer.byte(type.charCodeAt(0)).cstring(value);
}
