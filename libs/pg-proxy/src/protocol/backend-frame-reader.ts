import { FrameAssembler, type Framing } from './frame-assembler.js';
import {
  BackendCode,
  CODE_LENGTH,
  DEFAULT_MAX_BACKEND_MESSAGE_SIZE,
  LENGTH_LENGTH,
  TYPED_HEADER_LENGTH,
} from './message-codes.js';
import { type BackendFrame } from './messages.js';
import { badLength, oversized, ProtocolViolation } from './protocol-violation.js';

export interface BackendFrameReaderOptions {
  /** Largest frame accepted, type byte included (default 1 GiB + 64 KiB: a DataRow may hold a 1 GiB value). */
  maxMessageSize?: number;
}

/**
 * Splits server → client traffic into raw frames without decoding them: the
 * relay forwards most backend messages untouched (DataRow above all), so it
 * only pays for decoding the few it must inspect (see `backend-decoders.ts`
 * and `row-decoder.ts`). Refuses unknown type bytes and bad lengths with a
 * `ProtocolViolation` value, after which it refuses all further input.
 */
export class BackendFrameReader implements Framing {
  readonly headerLength = TYPED_HEADER_LENGTH;
  private readonly assembler = new FrameAssembler(this);
  private readonly maxMessageSize: number;
  private failure: ProtocolViolation | undefined;

  constructor(options: BackendFrameReaderOptions = {}) {
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_BACKEND_MESSAGE_SIZE;
  }

  /** True while part of a frame is held back waiting for more bytes. */
  get holdsPartialFrame(): boolean {
    return this.assembler.holdsPartialFrame;
  }

  /**
   * Feeds one chunk. `onFrame` may return false to stop after that frame;
   * the return value says how many bytes of the chunk were consumed, so a
   * caller handing the connection on can put the rest back (`socket.unshift`).
   */
  read(chunk: Buffer, onFrame: (result: BackendFrame | ProtocolViolation) => boolean | void): number {
    if (this.failure) {
      onFrame(this.failure);
      return 0;
    }
    return this.assembler.push(
      chunk,
      (frame) => onFrame({ code: frame[0]!, frame }) !== false,
      (violation) => {
        this.failure = violation;
        onFrame(violation);
      },
    );
  }

  frameLength(bytes: Buffer, offset: number): number | ProtocolViolation {
    const code = bytes[offset]!;
    if (!isBackendCode(code)) {
      return new ProtocolViolation('unknown-type', `unknown backend message type 0x${code.toString(16)}`, {
        code,
      });
    }
    const length = bytes.readInt32BE(offset + CODE_LENGTH);
    if (length < LENGTH_LENGTH) return badLength(length);
    if (length + CODE_LENGTH > this.maxMessageSize)
      return oversized(length + CODE_LENGTH, this.maxMessageSize);
    return length + CODE_LENGTH;
  }
}

function isBackendCode(code: number): boolean {
  switch (code) {
    case BackendCode.ParseComplete:
    case BackendCode.BindComplete:
    case BackendCode.CloseComplete:
    case BackendCode.NotificationResponse:
    case BackendCode.CommandComplete:
    case BackendCode.DataRow:
    case BackendCode.ErrorResponse:
    case BackendCode.CopyInResponse:
    case BackendCode.CopyOutResponse:
    case BackendCode.EmptyQueryResponse:
    case BackendCode.BackendKeyData:
    case BackendCode.NoticeResponse:
    case BackendCode.Authentication:
    case BackendCode.ParameterStatus:
    case BackendCode.RowDescription:
    case BackendCode.FunctionCallResponse:
    case BackendCode.CopyBothResponse:
    case BackendCode.ReadyForQuery:
    case BackendCode.CopyDone:
    case BackendCode.CopyData:
    case BackendCode.NoData:
    case BackendCode.PortalSuspended:
    case BackendCode.ParameterDescription:
    case BackendCode.NegotiateProtocolVersion:
      return true;
    default:
      return false;
  }
}
