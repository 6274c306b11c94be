import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BackendFrameReader, type BackendFrameReaderOptions } from './backend-frame-reader.js';
import { type BackendFrame } from './messages.js';
import { ProtocolViolation } from './protocol-violation.js';
import { byte, cstr, i16, i32, splits, typed, value } from '../testing/frames.js';

const RESPONSE = [
  typed('R', i32(0)),
  typed('S', cstr('client_encoding'), cstr('UTF8')),
  typed('K', i32(1), i32(2)),
  typed('Z', byte('I')),
  typed('T', i16(1), cstr('n'), i32(0), i16(0), i32(23), i16(4), i32(-1), i16(0)),
  typed('D', i16(1), value('1')),
  typed('D', i16(1), value(null)),
  typed('C', cstr('SELECT 2')),
  typed('1'),
  typed('2'),
  typed('n'),
  typed('E', byte('S'), cstr('ERROR'), Buffer.of(0)),
];

function readChunks(
  chunks: Buffer[],
  options?: BackendFrameReaderOptions,
): (BackendFrame | ProtocolViolation)[] {
  const reader = new BackendFrameReader(options);
  const out: (BackendFrame | ProtocolViolation)[] = [];
  for (const chunk of chunks) reader.read(chunk, (f) => void out.push(f));
  return out;
}

test('yields every raw frame unchanged, the same at every split point', () => {
  const stream = Buffer.concat(RESPONSE);
  const expected = RESPONSE.map((frame) => ({ code: frame[0]!, frame }));
  for (const chunks of splits(stream)) assert.deepEqual(readChunks(chunks), expected);
});

test('can stop after a frame and reports how much of the chunk it consumed', () => {
  const stream = Buffer.concat(RESPONSE);
  const reader = new BackendFrameReader();
  const seen: number[] = [];
  const consumed = reader.read(stream, (f) => {
    assert.ok(!(f instanceof ProtocolViolation));
    seen.push(f.code);
    return f.code !== 0x5a; // stop at ReadyForQuery
  });
  assert.deepEqual(seen, [0x52, 0x53, 0x4b, 0x5a]);
  assert.equal(
    consumed,
    RESPONSE.slice(0, 4).reduce((n, f) => n + f.length, 0),
  );
  assert.equal(reader.holdsPartialFrame, false);
});

test('refuses bad lengths, unknown types and oversized frames, then everything after', () => {
  const bad = readChunks([Buffer.concat([byte('Z'), i32(3)])]);
  assert.ok(bad[0] instanceof ProtocolViolation && bad[0].reason === 'bad-length');
  const unknown = readChunks([typed('!', Buffer.of(1))]);
  assert.ok(unknown[0] instanceof ProtocolViolation && unknown[0].reason === 'unknown-type');
  const big = readChunks([Buffer.concat([byte('D'), i32(100)]), typed('Z', byte('I'))], {
    maxMessageSize: 64,
  });
  assert.equal(big.length, 2);
  assert.ok(big[0] instanceof ProtocolViolation && big[0].reason === 'oversized');
  assert.equal(big[1], big[0]);
});
