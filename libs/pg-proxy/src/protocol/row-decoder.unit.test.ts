import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeDataRow, decodeRowDescription } from './row-decoder.js';
import * as backend from './backend-serializer.js';
import { ProtocolViolation } from './protocol-violation.js';
import { cstr, i16, i32, typed, value } from '../testing/frames.js';

test('DataRow columns come back as views into the frame, null as null', () => {
  const frame = Buffer.alloc(64);
  const row = typed('D', i16(3), value('alice@example.com'), value(null), value(''));
  row.copy(frame);
  const values = decodeDataRow(frame.subarray(0, row.length));
  assert.ok(!(values instanceof ProtocolViolation));
  assert.deepEqual(values, [Buffer.from('alice@example.com'), null, Buffer.alloc(0)]);
  assert.ok(values[0]?.buffer === frame.buffer, 'a view, not a copy');
});

test('RowDescription round-trips through the serializer', () => {
  const fields = [
    {
      name: 'id',
      tableOid: 16384,
      columnNumber: 1,
      typeOid: 23,
      typeSize: 4,
      typeModifier: -1,
      format: 0 as const,
    },
    {
      name: 'card',
      tableOid: 16384,
      columnNumber: 2,
      typeOid: 25,
      typeSize: -1,
      typeModifier: -1,
      format: 1 as const,
    },
  ];
  assert.deepEqual(decodeRowDescription(backend.rowDescription(fields)), fields);
  // A masked row rewritten by the serializer decodes to the new values.
  assert.deepEqual(decodeDataRow(backend.dataRow(['1', '****'])), [Buffer.from('1'), Buffer.from('****')]);
});

test('truncated or inconsistent rows are violations', () => {
  const cases = [
    typed('D', i16(2), value('a')),
    typed('D', i16(1), i32(10), Buffer.from('abc')),
    typed('D', i16(1), value('a'), Buffer.of(0)),
    typed('D', i16(-1)),
    typed('T', i16(1), cstr('x'), i32(0)),
    typed('C', cstr('SELECT 1')),
  ];
  for (const frame of cases) {
    const decoded = frame[0] === 0x54 ? decodeRowDescription(frame) : decodeDataRow(frame);
    assert.ok(decoded instanceof ProtocolViolation && decoded.reason === 'malformed', frame.toString('hex'));
  }
});
