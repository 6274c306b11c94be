import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { RecordedOutput } from '@portcullis/session';
import { TerminalRecording } from './terminal-recording.js';

const limits = { maxBatchBytes: 10, flushAfterMs: 20, maxPendingBytes: 25 };

describe('TerminalRecording', () => {
  it('batches by size and by time, with asciicast frames in order', async () => {
    const batches: RecordedOutput[] = [];
    const recording = new TerminalRecording(
      async (b) => void batches.push(b),
      2,
      1.5,
      { onPressure: () => undefined, onFailure: () => assert.fail('failed') },
      limits,
    );
    recording.resize(80, 24);
    recording.output(Buffer.from('hello world!')); // 12 bytes: flushes at once
    assert.equal(batches.length, 1);
    recording.output(Buffer.from('ab'));
    assert.equal(batches.length, 1);
    await delay(60);
    assert.equal(batches.length, 2, 'not flushed by time');
    await recording.close();
    assert.deepEqual(
      batches.map((b) => b.frames.map((f) => [f[1], f[2]])),
      [
        [
          ['r', '80x24'],
          ['o', 'hello world!'],
        ],
        [['o', 'ab']],
      ],
    );
    assert.deepEqual([batches[0]?.channel, batches[0]?.startOffsetSeconds, batches[0]?.bytes], [2, 1.5, 12]);
  });

  it('keeps a UTF-8 character split across chunks whole', async () => {
    const batches: RecordedOutput[] = [];
    const recording = new TerminalRecording(async (b) => void batches.push(b), 0, 0, {
      onPressure: () => undefined,
      onFailure: () => undefined,
    });
    const euro = Buffer.from('\u20ac');
    recording.output(euro.subarray(0, 1));
    recording.output(euro.subarray(1));
    await recording.close();
    assert.equal(batches.flatMap((b) => b.frames.map((f) => f[2])).join(''), '\u20ac');
  });

  it('asks for backpressure when too much is not yet durable, and releases it', async () => {
    const pending: (() => void)[] = [];
    const pressure: boolean[] = [];
    const recording = new TerminalRecording(
      () => new Promise<void>((resolve) => pending.push(resolve)),
      0,
      0,
      { onPressure: (p) => pressure.push(p), onFailure: () => undefined },
      limits,
    );
    for (let i = 0; i < 3; i++) recording.output(Buffer.alloc(10, 0x61));
    assert.deepEqual(pressure, [true]);
    pending.shift()?.();
    await delay(5);
    assert.deepEqual(
      pressure,
      [true],
      'released while 20 bytes are still pending (limit 25, release at 12.5)',
    );
    pending.shift()?.();
    await delay(5);
    assert.deepEqual(pressure, [true, false]);
  });

  it('reports a failed append once and takes no more frames (the caller fails closed)', async () => {
    const failures: unknown[] = [];
    let appends = 0;
    const recording = new TerminalRecording(
      () => {
        appends++;
        return Promise.reject(new Error('store down'));
      },
      0,
      0,
      { onPressure: () => undefined, onFailure: (e) => failures.push(e) },
      limits,
    );
    recording.output(Buffer.alloc(10));
    recording.output(Buffer.alloc(10));
    await delay(5);
    recording.output(Buffer.alloc(10));
    await recording.close();
    assert.equal(failures.length, 1);
    assert.equal(recording.broken, true);
    assert.equal(appends, 2);
  });
});
