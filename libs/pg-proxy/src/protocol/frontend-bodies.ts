/**
 * One decoder per frontend message body. Each reads from the shared cursor,
 * which throws `MalformedBody` on any overrun; the parser's dispatch catches
 * it once and turns it into a violation value.
 */
import { type BufferReader } from './buffer-reader.js';
import { StartupCode } from './message-codes.js';
import type * as m from './messages.js';
import { MalformedBody } from './protocol-violation.js';

export function parseStartupMessage(reader: BufferReader, frame: Buffer, version: number): m.StartupMessage {
  const parameters: Record<string, string> = Object.create(null);
  for (;;) {
    const name = reader.cstring();
    if (name === '') break;
    // A repeated name (two `user`s) could be read one way by us and another by
    // the server; refuse it rather than guess which one wins.
    if (name in parameters) throw new MalformedBody(`startup parameter "${name}" repeated`);
    parameters[name] = reader.cstring();
  }
  reader.expectEnd();
  return {
    type: 'startup',
    frame,
    protocolVersion: { major: version >>> 16, minor: version & 0xffff },
    parameters,
  };
}

export function parseCancelRequest(reader: BufferReader, frame: Buffer): m.CancelRequest {
  const processId = reader.int32();
  const secretKey = reader.int32();
  reader.expectEnd();
  return { type: 'cancelRequest', frame, processId, secretKey };
}

export function parseNegotiationRequest(
  reader: BufferReader,
  frame: Buffer,
  code: StartupCode.SSLRequest | StartupCode.GSSENCRequest,
): m.SSLRequest | m.GSSENCRequest {
  reader.expectEnd();
  return { type: code === StartupCode.SSLRequest ? 'sslRequest' : 'gssEncRequest', frame };
}

export function parseQuery(reader: BufferReader, frame: Buffer): m.Query {
  const sql = reader.cstring();
  reader.expectEnd();
  return { type: 'query', frame, sql };
}

export function parseParse(reader: BufferReader, frame: Buffer): m.Parse {
  const statementName = reader.cstring();
  const sql = reader.cstring();
  const count = reader.count16('parameter type');
  const parameterTypes = new Array<number>(count);
  for (let i = 0; i < count; i++) parameterTypes[i] = reader.uint32();
  reader.expectEnd();
  return { type: 'parse', frame, statementName, sql, parameterTypes };
}

export function parseBind(reader: BufferReader, frame: Buffer): m.Bind {
  const portalName = reader.cstring();
  const statementName = reader.cstring();
  const parameterFormats = formatCodes(reader, 'parameter format');
  const parameters = values(reader, 'parameter');
  checkFormatCount(parameterFormats.length, parameters.length);
  const resultFormats = formatCodes(reader, 'result format');
  reader.expectEnd();
  return { type: 'bind', frame, portalName, statementName, parameterFormats, parameters, resultFormats };
}

export function parseDescribe(reader: BufferReader, frame: Buffer): m.Describe {
  const target = statementOrPortal(reader.byte());
  const name = reader.cstring();
  reader.expectEnd();
  return { type: 'describe', frame, target, name };
}

export function parseClose(reader: BufferReader, frame: Buffer): m.Close {
  const target = statementOrPortal(reader.byte());
  const name = reader.cstring();
  reader.expectEnd();
  return { type: 'close', frame, target, name };
}

export function parseExecute(reader: BufferReader, frame: Buffer): m.Execute {
  const portalName = reader.cstring();
  const maxRows = reader.int32();
  if (maxRows < 0) throw new MalformedBody(`negative row limit ${maxRows}`);
  reader.expectEnd();
  return { type: 'execute', frame, portalName, maxRows };
}

export function parseFunctionCall(reader: BufferReader, frame: Buffer): m.FunctionCall {
  const functionId = reader.uint32();
  const argumentFormats = formatCodes(reader, 'argument format');
  const args = values(reader, 'argument');
  checkFormatCount(argumentFormats.length, args.length);
  const resultFormat = formatCode(reader.int16());
  reader.expectEnd();
  return { type: 'functionCall', frame, functionId, argumentFormats, arguments: args, resultFormat };
}

export function parseCopyData(reader: BufferReader, frame: Buffer): m.CopyData {
  return { type: 'copyData', frame, data: reader.rest() };
}

export function parseCopyFail(reader: BufferReader, frame: Buffer): m.CopyFail {
  const reason = reader.cstring();
  reader.expectEnd();
  return { type: 'copyFail', frame, reason };
}

export function parseAuthenticationResponse(reader: BufferReader, frame: Buffer): m.AuthenticationResponse {
  return { type: 'authenticationResponse', frame, data: reader.rest() };
}

/** Sync, Flush, CopyDone and Terminate carry no body; bytes there are a malformed frame. */
export function parseEmpty<T extends 'sync' | 'flush' | 'copyDone' | 'terminate'>(
  reader: BufferReader,
  frame: Buffer,
  type: T,
): { type: T; frame: Buffer } {
  reader.expectEnd();
  return { type, frame };
}

function statementOrPortal(byte: number): 'statement' | 'portal' {
  if (byte === 0x53 /* S */) return 'statement';
  if (byte === 0x50 /* P */) return 'portal';
  throw new MalformedBody(`unknown describe/close target 0x${byte.toString(16)}`);
}

function formatCode(code: number): m.FormatCode {
  if (code === 0 || code === 1) return code;
  throw new MalformedBody(`unknown format code ${code}`);
}

function formatCodes(reader: BufferReader, what: string): m.FormatCode[] {
  const count = reader.count16(what);
  const codes = new Array<m.FormatCode>(count);
  for (let i = 0; i < count; i++) codes[i] = formatCode(reader.int16());
  return codes;
}

function values(reader: BufferReader, what: string): (Buffer | null)[] {
  const count = reader.count16(what);
  const result = new Array<Buffer | null>(count);
  for (let i = 0; i < count; i++) result[i] = reader.nullableBytes();
  return result;
}

/** The server rejects other counts; checking here keeps text/binary unambiguous for whoever inspects values. */
function checkFormatCount(formats: number, values: number): void {
  if (formats > 1 && formats !== values) {
    throw new MalformedBody(`${formats} format codes for ${values} values`);
  }
}
