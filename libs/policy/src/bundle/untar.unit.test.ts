import { test } from 'node:test';
import assert from 'node:assert/strict';
import { untar } from './untar.js';

function entry(name: string, body: string, type = '0'): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write(type, 156);
  const padded = Buffer.alloc(Math.ceil(body.length / 512) * 512);
  padded.write(body);
  return Buffer.concat([header, padded]);
}

test('reads regular files and stops at the end-of-archive marker', () => {
  const archive = Buffer.concat([
    entry('/data.json', '{}'),
    entry('dir/', '', '5'),
    entry('/.manifest', '{"revision":"r"}'),
    Buffer.alloc(1024),
  ]);
  const files = untar(archive);
  assert.deepEqual([...files.keys()], ['/data.json', '/.manifest']);
  assert.equal(files.get('/.manifest')?.toString(), '{"revision":"r"}');
});

test('a truncated entry is an error, not a short file', () => {
  const archive = entry('/policy.wasm', 'x'.repeat(600)).subarray(0, 700);
  assert.throws(() => untar(archive), /truncated/);
});
