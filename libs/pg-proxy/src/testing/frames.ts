/**
 * Tiny byte builders for tests, written independently of BufferWriter so a
 * bug there cannot hide in both the code and its expected bytes.
 */
export const i16 = (value: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(value);
  return b;
};
export const i32 = (value: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value);
  return b;
};
export const u32 = (value: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
};
export const cstr = (text: string): Buffer => Buffer.concat([Buffer.from(text, 'utf8'), Buffer.of(0)]);
export const byte = (char: string): Buffer => Buffer.from(char, 'latin1');
/** A length-prefixed value (Bind parameter, DataRow column); null writes -1. */
export const value = (v: string | Buffer | null): Buffer =>
  v === null ? i32(-1) : Buffer.concat([i32(Buffer.byteLength(v)), Buffer.from(v)]);

/** A typed frame: type letter, int32 length of itself plus body, body. */
export function typed(code: string, ...body: Buffer[]): Buffer {
  const payload = Buffer.concat(body);
  return Buffer.concat([byte(code), i32(payload.length + 4), payload]);
}

/** An untyped startup-phase packet: int32 length, body. */
export function untyped(...body: Buffer[]): Buffer {
  const payload = Buffer.concat(body);
  return Buffer.concat([i32(payload.length + 4), payload]);
}

export function startup(parameters: Record<string, string>, version = 196608): Buffer {
  const pairs = Object.entries(parameters).flatMap(([k, v]) => [cstr(k), cstr(v)]);
  return untyped(i32(version), ...pairs, Buffer.of(0));
}

/** Every way of cutting `bytes` into two chunks, plus one byte at a time. */
export function* splits(bytes: Buffer): Generator<Buffer[]> {
  for (let at = 0; at <= bytes.length; at++) yield [bytes.subarray(0, at), bytes.subarray(at)];
  yield Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
}

/** A null-prototype record, to compare with what the parsers build. */
export const bare = (entries: Record<string, string>): Record<string, string> =>
  Object.assign(Object.create(null) as Record<string, string>, entries);
