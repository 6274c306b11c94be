/**
 * Decoders for the backend messages the proxy must read (upstream startup,
 * errors, transaction status). Each takes one raw frame from the
 * BackendFrameReader and returns its value or a ProtocolViolation; none
 * trusts a count or terminator to lie inside the frame.
 */
import { BufferReader } from './buffer-reader.js';
import { AuthenticationCode, BackendCode, TYPED_HEADER_LENGTH } from './message-codes.js';
import type {
  AuthenticationRequest,
  BackendKey,
  DecodedNoticeFields,
  TransactionStatus,
} from './backend-messages.js';
import { decoding, MalformedBody, type ProtocolViolation } from './protocol-violation.js';

// Decoding is synchronous, so one cursor serves every call.
const reader = new BufferReader();

function bodyOf(frame: Buffer, expected: BackendCode): BufferReader {
  if (frame[0] !== expected) throw new MalformedBody(`expected message 0x${expected.toString(16)}`);
  return reader.reset(frame, TYPED_HEADER_LENGTH, frame.length);
}

export function decodeAuthenticationRequest(frame: Buffer): AuthenticationRequest | ProtocolViolation {
  return decoding((): AuthenticationRequest => {
    const body = bodyOf(frame, BackendCode.Authentication);
    const code = body.int32();
    switch (code) {
      case AuthenticationCode.Ok:
        body.expectEnd();
        return { kind: 'ok' };
      case AuthenticationCode.CleartextPassword:
        body.expectEnd();
        return { kind: 'cleartextPassword' };
      case AuthenticationCode.MD5Password: {
        const salt = body.bytes(4);
        body.expectEnd();
        return { kind: 'md5Password', salt };
      }
      case AuthenticationCode.SASL: {
        const mechanisms: string[] = [];
        for (let name = body.cstring(); name !== ''; name = body.cstring()) mechanisms.push(name);
        body.expectEnd();
        return { kind: 'sasl', mechanisms };
      }
      case AuthenticationCode.SASLContinue:
        return { kind: 'saslContinue', data: body.rest() };
      case AuthenticationCode.SASLFinal:
        return { kind: 'saslFinal', data: body.rest() };
      default:
        return { kind: 'unsupported', code };
    }
  });
}

export function decodeParameterStatus(frame: Buffer): { name: string; value: string } | ProtocolViolation {
  return decoding(() => {
    const body = bodyOf(frame, BackendCode.ParameterStatus);
    const name = body.cstring();
    const value = body.cstring();
    body.expectEnd();
    return { name, value };
  });
}

export function decodeBackendKeyData(frame: Buffer): BackendKey | ProtocolViolation {
  return decoding(() => {
    const body = bodyOf(frame, BackendCode.BackendKeyData);
    const processId = body.int32();
    // Protocol 3.2 servers may send longer keys; we ask for 3.0, so anything else is wrong.
    const secretKey = body.int32();
    body.expectEnd();
    return { processId, secretKey };
  });
}

export function decodeReadyForQuery(frame: Buffer): TransactionStatus | ProtocolViolation {
  return decoding(() => {
    const body = bodyOf(frame, BackendCode.ReadyForQuery);
    const status = String.fromCharCode(body.byte());
    body.expectEnd();
    if (status !== 'I' && status !== 'T' && status !== 'E') {
      throw new MalformedBody(`unknown transaction status ${JSON.stringify(status)}`);
    }
    return status;
  });
}

export function decodeCommandComplete(frame: Buffer): string | ProtocolViolation {
  return decoding(() => {
    const body = bodyOf(frame, BackendCode.CommandComplete);
    const tag = body.cstring();
    body.expectEnd();
    return tag;
  });
}

/** ErrorResponse or NoticeResponse: every field, keyed by its field-type letter (S, V, C, M, D, H, …). */
export function decodeNoticeFields(frame: Buffer): DecodedNoticeFields | ProtocolViolation {
  return decoding(() => {
    if (frame[0] !== BackendCode.ErrorResponse && frame[0] !== BackendCode.NoticeResponse) {
      throw new MalformedBody('expected ErrorResponse or NoticeResponse');
    }
    const body = reader.reset(frame, TYPED_HEADER_LENGTH, frame.length);
    const fields: Record<string, string> = Object.create(null);
    for (let type = body.byte(); type !== 0; type = body.byte()) {
      fields[String.fromCharCode(type)] = body.cstring();
    }
    body.expectEnd();
    return fields;
  });
}
