import type { Socket } from 'node:net';

/** SSH_MSG_DISCONNECT (RFC 4253 §11.1) and its reason SSH_DISCONNECT_TOO_MANY_CONNECTIONS. */
const MSG_DISCONNECT = 1;
const REASON_TOO_MANY_CONNECTIONS = 12;
/** Before key exchange packets are unencrypted, padded to this block size (RFC 4253 §6). */
const CLEAR_BLOCK_SIZE = 8;
const MIN_PADDING = 4;
/** A refused client gets this long to read its refusal. */
const REFUSAL_LINGER_MS = 1_000;

/**
 * A connection over the listener's caps: our version line, then a DISCONNECT
 * (too many connections, with `message`) as the first packet, without a key
 * exchange: refusing must cost less than serving. OpenSSH shows "Received
 * disconnect from …: 12: too many connections …".
 */
export function refuseConnection(socket: Socket, message: string): void {
  socket.on('error', () => undefined);
  socket.on('data', () => undefined); // the client's version line and KEXINIT are not read
  socket.end(Buffer.concat([Buffer.from('SSH-2.0-portcullis\r\n'), disconnectPacket(message)]));
  setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS).unref();
}

/** uint32 packet_length, byte padding_length, payload, random-free padding (no MAC before kex). */
export function disconnectPacket(description: string): Buffer {
  const text = Buffer.from(description, 'utf8');
  // byte type, uint32 reason, string description, string language tag ("").
  const payload = Buffer.alloc(1 + 4 + 4 + text.length + 4);
  payload.writeUInt8(MSG_DISCONNECT, 0);
  payload.writeUInt32BE(REASON_TOO_MANY_CONNECTIONS, 1);
  payload.writeUInt32BE(text.length, 5);
  text.copy(payload, 9);
  payload.writeUInt32BE(0, 9 + text.length);
  let padding = CLEAR_BLOCK_SIZE - ((4 + 1 + payload.length) % CLEAR_BLOCK_SIZE);
  if (padding < MIN_PADDING) padding += CLEAR_BLOCK_SIZE;
  const packet = Buffer.alloc(4 + 1 + payload.length + padding);
  packet.writeUInt32BE(1 + payload.length + padding, 0);
  packet.writeUInt8(padding, 4);
  payload.copy(packet, 5);
  return packet;
}
