import { BufferReader } from './buffer-reader.js';
import { FrameAssembler, type Framing } from './frame-assembler.js';
import * as body from './frontend-bodies.js';
import {
  CANCEL_REQUEST_LENGTH,
  CODE_LENGTH,
  DEFAULT_MAX_AUTHENTICATION_RESPONSE_SIZE,
  DEFAULT_MAX_FRONTEND_MESSAGE_SIZE,
  DEFAULT_MAX_STARTUP_PACKET_SIZE,
  FrontendCode,
  MIN_STARTUP_LENGTH,
  NEGOTIATION_REQUEST_LENGTH,
  STARTUP_HEADER_LENGTH,
  StartupCode,
  TYPED_HEADER_LENGTH,
} from './message-codes.js';
import { type FrontendMessage, type FrontendParseResult } from './messages.js';
import { badLength, decoding, MalformedBody, oversized, ProtocolViolation } from './protocol-violation.js';

export interface FrontendParserOptions {
  /** Largest typed frame accepted, type byte included (default 64 MiB). */
  maxMessageSize?: number;
  /** Largest startup-phase packet accepted (default 10 000 bytes, as PostgreSQL). */
  maxStartupPacketSize?: number;
  /**
   * Largest `p` message accepted (default 65 535 bytes, as PostgreSQL). It is
   * sent before the client is authenticated, so it gets a cap of its own.
   */
  maxAuthenticationResponseSize?: number;
  /**
   * Hold every message after the StartupMessage to
   * `maxAuthenticationResponseSize` until `authenticated()` is called. A
   * proxy that authenticates clients itself sets this: before the client
   * has proven who it is, no message may make us buffer more than a
   * password's worth of bytes, whatever its type.
   */
  capUntilAuthenticated?: boolean;
}

/**
 * Where the client is in the protocol: untyped startup packets first, typed
 * messages once a StartupMessage is in, nothing at all after Terminate or a
 * CancelRequest (both end the connection).
 */
type Phase = 'startup' | 'typed' | 'ended';

/**
 * Streaming parser of client → server traffic. Feed it chunks as they arrive;
 * it emits each complete message once, in order, with a view of its raw frame.
 * On the first violation it emits a `ProtocolViolation` and from then on
 * refuses all input with that same value: a confused parser must never let
 * bytes through.
 */
export class FrontendParser implements Framing {
  private phase: Phase = 'startup';
  private failure: ProtocolViolation | undefined;
  private readonly assembler = new FrameAssembler(this);
  // One cursor for the whole connection, reset per frame: no per-message reader objects.
  private readonly reader = new BufferReader();
  private readonly maxMessageSize: number;
  private readonly maxStartupPacketSize: number;
  private readonly maxAuthenticationResponseSize: number;
  private capped: boolean;

  constructor(options: FrontendParserOptions = {}) {
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_FRONTEND_MESSAGE_SIZE;
    this.maxStartupPacketSize = options.maxStartupPacketSize ?? DEFAULT_MAX_STARTUP_PACKET_SIZE;
    this.maxAuthenticationResponseSize =
      options.maxAuthenticationResponseSize ?? DEFAULT_MAX_AUTHENTICATION_RESPONSE_SIZE;
    this.capped = options.capUntilAuthenticated ?? false;
  }

  /** True while part of a message is held waiting for more bytes. */
  get holdsPartialFrame(): boolean {
    return this.assembler.holdsPartialFrame;
  }

  /** The client is authenticated: messages may now be as large as `maxMessageSize`. */
  authenticated(): void {
    this.capped = false;
  }

  parse(chunk: Buffer, onMessage: (result: FrontendParseResult) => void): void {
    if (this.failure) {
      onMessage(this.failure);
      return;
    }
    let negotiationRequested = false;
    const consumed = this.assembler.push(
      chunk,
      (frame) => {
        const result = this.phase === 'startup' ? this.parseStartupPacket(frame) : this.parseTyped(frame);
        if (result.type === 'protocolViolation') {
          this.fail(result, onMessage);
          return false;
        }
        this.advance(result);
        onMessage(result);
        negotiationRequested = result.type === 'sslRequest' || result.type === 'gssEncRequest';
        // Stop right after a negotiation request so we can see whether the client sent more.
        return !negotiationRequested;
      },
      (violation) => this.fail(violation, onMessage),
    );
    if (negotiationRequested && consumed < chunk.length) {
      // The client must wait for our one-byte answer before it may send
      // anything else; bytes already sent would otherwise be taken as if they
      // came through the encrypted channel (CVE-2021-23214).
      this.fail(
        new ProtocolViolation('unexpected-message', 'unencrypted data after an encryption request'),
        onMessage,
      );
    }
  }

  get headerLength(): number {
    return this.phase === 'startup' ? STARTUP_HEADER_LENGTH : TYPED_HEADER_LENGTH;
  }

  frameLength(bytes: Buffer, offset: number): number | ProtocolViolation {
    if (this.phase === 'ended') {
      return new ProtocolViolation('unexpected-message', 'data after the connection was ended');
    }
    if (this.phase === 'startup') {
      const length = bytes.readInt32BE(offset);
      if (length < MIN_STARTUP_LENGTH) return badLength(length);
      if (length > this.maxStartupPacketSize) return oversized(length, this.maxStartupPacketSize);
      return length;
    }
    const code = bytes[offset]!;
    if (!isFrontendCode(code)) {
      return new ProtocolViolation('unknown-type', `unknown message type 0x${code.toString(16)}`, { code });
    }
    const length = bytes.readInt32BE(offset + CODE_LENGTH);
    if (length < TYPED_HEADER_LENGTH - CODE_LENGTH) return badLength(length);
    const limit =
      code === FrontendCode.AuthenticationResponse || this.capped
        ? this.maxAuthenticationResponseSize
        : this.maxMessageSize;
    if (length + CODE_LENGTH > limit) return oversized(length + CODE_LENGTH, limit);
    return length + CODE_LENGTH;
  }

  private parseStartupPacket(frame: Buffer): FrontendMessage | ProtocolViolation {
    const reader = this.reader.reset(frame, STARTUP_HEADER_LENGTH, frame.length);
    return decoding(() => {
      const code = reader.int32();
      switch (code) {
        case StartupCode.SSLRequest:
        case StartupCode.GSSENCRequest:
          if (frame.length !== NEGOTIATION_REQUEST_LENGTH) throw new MalformedBody('request with a body');
          return body.parseNegotiationRequest(reader, frame, code);
        case StartupCode.CancelRequest:
          // Protocol 3.2 allows longer keys; we speak 3.0, whose keys are one int32.
          if (frame.length !== CANCEL_REQUEST_LENGTH) throw new MalformedBody('cancel key is not 4 bytes');
          return body.parseCancelRequest(reader, frame);
        default:
          // Major version 3 with any minor: the server answers a newer minor with
          // NegotiateProtocolVersion, so the caller decides what to accept.
          if (code >>> 16 !== StartupCode.ProtocolVersion3 >>> 16) {
            return new ProtocolViolation('unknown-type', `unsupported protocol or request code ${code}`, {
              code,
            });
          }
          return body.parseStartupMessage(reader, frame, code);
      }
    });
  }

  private parseTyped(frame: Buffer): FrontendMessage | ProtocolViolation {
    const reader = this.reader.reset(frame, TYPED_HEADER_LENGTH, frame.length);
    return decoding(() => {
      const code = frame[0] as FrontendCode;
      switch (code) {
        case FrontendCode.Query:
          return body.parseQuery(reader, frame);
        case FrontendCode.Parse:
          return body.parseParse(reader, frame);
        case FrontendCode.Bind:
          return body.parseBind(reader, frame);
        case FrontendCode.Describe:
          return body.parseDescribe(reader, frame);
        case FrontendCode.Execute:
          return body.parseExecute(reader, frame);
        case FrontendCode.Sync:
          return body.parseEmpty(reader, frame, 'sync');
        case FrontendCode.Flush:
          return body.parseEmpty(reader, frame, 'flush');
        case FrontendCode.Close:
          return body.parseClose(reader, frame);
        case FrontendCode.FunctionCall:
          return body.parseFunctionCall(reader, frame);
        case FrontendCode.CopyData:
          return body.parseCopyData(reader, frame);
        case FrontendCode.CopyDone:
          return body.parseEmpty(reader, frame, 'copyDone');
        case FrontendCode.CopyFail:
          return body.parseCopyFail(reader, frame);
        case FrontendCode.Terminate:
          return body.parseEmpty(reader, frame, 'terminate');
        case FrontendCode.AuthenticationResponse:
          return body.parseAuthenticationResponse(reader, frame);
        default: {
          // frameLength already refused unknown codes; reaching here is a bug, so fail closed.
          const unreachable: never = code;
          return new ProtocolViolation('unknown-type', `unknown message type ${String(unreachable)}`);
        }
      }
    });
  }

  private advance(message: FrontendMessage): void {
    if (message.type === 'startup') this.phase = 'typed';
    else if (message.type === 'cancelRequest' || message.type === 'terminate') this.phase = 'ended';
  }

  private fail(violation: ProtocolViolation, onMessage: (result: FrontendParseResult) => void): void {
    this.failure = violation;
    onMessage(violation);
  }
}

function isFrontendCode(code: number): boolean {
  switch (code) {
    case FrontendCode.Query:
    case FrontendCode.Parse:
    case FrontendCode.Bind:
    case FrontendCode.Describe:
    case FrontendCode.Execute:
    case FrontendCode.Sync:
    case FrontendCode.Flush:
    case FrontendCode.Close:
    case FrontendCode.FunctionCall:
    case FrontendCode.CopyData:
    case FrontendCode.CopyDone:
    case FrontendCode.CopyFail:
    case FrontendCode.Terminate:
    case FrontendCode.AuthenticationResponse:
      return true;
    default:
      return false;
  }
}
