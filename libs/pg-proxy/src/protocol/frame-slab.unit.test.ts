import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameSlab } from './frame-slab.js';

test('regions follow each other in one slab, never overlap, and slabs grow from small to 64 KiB', () => {
  const slab = new FrameSlab();
  const first = slab.take(100);
  const second = slab.take(200);
  assert.equal(second.buffer, first.buffer);
  assert.equal(second.byteOffset, first.byteOffset + 100);
  assert.ok(first.buffer.byteLength <= 1024, 'a small result costs a small buffer');
  const sizes = new Set<number>();
  for (let i = 0; i < 2_000; i++) sizes.add(slab.take(500).buffer.byteLength);
  assert.equal(Math.max(...sizes), 64 * 1024);
  first.fill(1);
  second.fill(2);
  assert.ok(first.every((b) => b === 1) && second.every((b) => b === 2), 'no region is handed out twice');
});

test('two slabs never share memory, and a large frame gets a buffer of its own', () => {
  const one = new FrameSlab().take(10);
  const other = new FrameSlab().take(10);
  assert.notEqual(one.buffer, other.buffer);
  const slab = new FrameSlab();
  const small = slab.take(10);
  const large = slab.take(100_000);
  assert.equal(large.length, 100_000);
  assert.notEqual(large.buffer, small.buffer);
  assert.equal(slab.take(10).byteOffset, small.byteOffset + 10, 'the slab goes on after a large frame');
});
