import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScpStreamReader, type ScpItem } from './scp-stream.js';

function read(chunks: Buffer[], accept = (_name: string) => true) {
  const reader = new ScpStreamReader();
  const items: ScpItem[] = [];
  for (const chunk of chunks) {
    reader.push(chunk);
    for (let item = reader.next(); item; item = reader.next()) {
      items.push(item);
      if (item.kind === 'file') reader.verdict(accept(item.name));
    }
  }
  return items;
}

const summary = (items: ScpItem[]) =>
  items
    .map((i) =>
      i.kind === 'file'
        ? `file ${i.name} ${i.size}`
        : i.kind === 'line'
          ? `line ${i.line.toString().trim()}`
          : 'bytes',
    )
    .filter((s, i, all) => s !== 'bytes' || all[i - 1] !== 'bytes');

describe('ScpStreamReader', () => {
  const stream = Buffer.from(
    'D0755 0 tree\nC0644 5 a.txt\naaaa\n\0T1 0 1 0\nC0644 0 empty\n\0E\nC0600 3 top\nxy\n\0',
  );

  it('reads files with their sizes and directory names, whatever the chunking', () => {
    const expected = [
      'line D0755 0 tree',
      'file tree/a.txt 5',
      'bytes',
      'line T1 0 1 0',
      'file tree/empty 0',
      'bytes',
      'line E',
      'file top 3',
      'bytes',
    ];
    assert.deepEqual(summary(read([stream])), expected);
    for (let cut = 1; cut < stream.length; cut++)
      assert.deepEqual(
        summary(read([stream.subarray(0, cut), stream.subarray(cut)])),
        expected,
        `cut at ${cut}`,
      );
  });

  it('a refused file has no data: the next line is a header again', () => {
    const reader = new ScpStreamReader();
    reader.push(Buffer.from('C0644 5 no.txt\n'));
    assert.equal(reader.next()?.kind, 'file');
    assert.equal(reader.next(), null, 'no item before the verdict');
    reader.verdict(false);
    reader.push(Buffer.from('C0644 2 ok\nz\n\0'));
    const item = reader.next();
    assert.equal(item?.kind === 'file' && item.name, 'ok');
  });

  it('refuses names that leave the target directory and malformed headers', () => {
    assert.throws(() => read([Buffer.from('C0644 1 ../x\n')]), /unsafe/);
    assert.throws(() => read([Buffer.from('C0644 1 a/b\n')]), /unsafe/);
    assert.throws(() => read([Buffer.from('Cxyz\n')]), /malformed/);
  });
});
