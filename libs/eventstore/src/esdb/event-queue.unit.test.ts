import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventQueue } from './event-queue.js';

test('items come out in order, to waiting and to later consumers alike', async () => {
  const queue = new EventQueue<number>(10);
  const waiting = queue.next();
  queue.push(1);
  queue.push(2);
  assert.deepEqual(await waiting, { value: 1, done: false });
  assert.deepEqual(await queue.next(), { value: 2, done: false });
  queue.end();
  assert.deepEqual(await queue.next(), { value: undefined, done: true });
});

test('end(discard) drops what is buffered; fail() throws after what is buffered', async () => {
  const dropped = new EventQueue<number>(10);
  dropped.push(1);
  dropped.end(true);
  assert.equal((await dropped.next()).done, true);

  const failed = new EventQueue<number>(10);
  failed.push(1);
  failed.fail(new Error('gone'));
  assert.deepEqual(await failed.next(), { value: 1, done: false });
  await assert.rejects(failed.next(), /gone/);
});

test('push reports backpressure at the high-water mark, onDrained fires at half of it', async () => {
  let drained = 0;
  const queue = new EventQueue<number>(4, () => (drained += 1));
  assert.deepEqual(
    [1, 2, 3].map((n) => queue.push(n)),
    [true, true, true],
  );
  assert.equal(queue.push(4), false);
  assert.equal(queue.wantsMore, false);
  await queue.next();
  assert.equal(drained, 0);
  await queue.next();
  assert.equal(drained, 1);
  assert.equal(queue.wantsMore, true);
});

test('breaking out of for-await calls onReturn', async () => {
  let returned = false;
  const queue = new EventQueue<number>(10, undefined, () => (returned = true));
  queue.push(1);
  queue.push(2);
  for await (const n of queue) {
    assert.equal(n, 1);
    break;
  }
  assert.equal(returned, true);
  assert.equal((await queue.next()).done, true);
});
