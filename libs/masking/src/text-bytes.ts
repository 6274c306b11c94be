/**
 * Column values arrive as UTF-8 bytes (text format). Decoding is the one
 * allocation the byte paths cannot always avoid, so it is done only after
 * a cheap check said the value needs it.
 */
/** Pure ASCII decodes as latin1, which V8 turns into a flat one-byte string without UTF-8 validation. */
export function decodeText(bytes: Uint8Array): string {
  const buf = asBuffer(bytes);
  return isAscii(buf) ? buf.toString('latin1') : buf.toString('utf8');
}

export function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}

/** A Buffer view of the same memory (no copy) for APIs that want Buffer methods. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
