/**
 * Writers for the client → server messages the proxy sends upstream on its
 * own behalf: its startup and authentication, cancel requests, its own
 * queries. Client traffic is forwarded as received frames, not rewritten.
 */
import { BufferWriter } from './buffer-writer.js';
import { FrontendCode, StartupCode } from './message-codes.js';

// One writer for all messages: it hands each finished frame off and starts a fresh buffer.
const writer = new BufferWriter();

const SSL_REQUEST = writer.int32(StartupCode.SSLRequest).untypedFrame();
const TERMINATE = writer.frame(FrontendCode.Terminate);

/** StartupMessage for protocol 3.0; `user` is required by the server, the rest optional. */
export function startupMessage(parameters: Readonly<Record<string, string>>): Buffer {
  writer.int32(StartupCode.ProtocolVersion3);
  for (const [name, value] of Object.entries(parameters)) writer.cstring(name).cstring(value);
  return writer.byte(0).untypedFrame();
}

export const sslRequest = (): Buffer => SSL_REQUEST;

export function cancelRequest(processId: number, secretKey: number): Buffer {
  return writer.int32(StartupCode.CancelRequest).int32(processId).int32(secretKey).untypedFrame();
}

/** Answer to AuthenticationCleartextPassword or AuthenticationMD5Password (already hashed). */
export function passwordMessage(password: string): Buffer {
  return writer.cstring(password).frame(FrontendCode.AuthenticationResponse);
}

export function saslInitialResponse(mechanism: string, data: Uint8Array): Buffer {
  return writer.cstring(mechanism).int32(data.length).bytes(data).frame(FrontendCode.AuthenticationResponse);
}

export function saslResponse(data: Uint8Array): Buffer {
  return writer.bytes(data).frame(FrontendCode.AuthenticationResponse);
}

export function query(sql: string): Buffer {
  return writer.cstring(sql).frame(FrontendCode.Query);
}

export const terminate = (): Buffer => TERMINATE;

/** Ends a COPY FROM STDIN the proxy will not feed: the server fails the statement with `reason`. */
export function copyFail(reason: string): Buffer {
  return writer.cstring(reason).frame(FrontendCode.CopyFail);
}

/**
 * One statement with text parameters on the unnamed statement and portal:
 * Parse, Bind (text in, text out), Describe portal (its RowDescription, so
 * the results can be masked by column), Execute (all rows), Sync.
 */
export function extendedQuery(sql: string, parameters: readonly (string | null)[]): Buffer {
  const frames = [writer.cstring('').cstring(sql).int16(0).frame(FrontendCode.Parse)];
  writer.cstring('').cstring('').int16(0).int16(parameters.length);
  for (const value of parameters) {
    if (value === null) writer.int32(-1);
    else {
      const bytes = Buffer.from(value, 'utf8');
      writer.int32(bytes.length).bytes(bytes);
    }
  }
  frames.push(writer.int16(0).frame(FrontendCode.Bind));
  frames.push(writer.byte(0x50 /* P: portal */).cstring('').frame(FrontendCode.Describe));
  frames.push(writer.cstring('').int32(0).frame(FrontendCode.Execute));
  frames.push(writer.frame(FrontendCode.Sync));
  return Buffer.concat(frames);
}
