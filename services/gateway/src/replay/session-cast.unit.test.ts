import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Recorded, SessionEvent } from '@portcullis/events';
import { asciicastLines, sessionCast } from './session-cast.js';

let revision = 0;
const event = (type: string, data: Record<string, unknown>, recordedAt = '2026-11-22T10:00:00.000Z') =>
  ({
    id: `e${revision}`,
    type,
    schemaVersion: 1,
    data: { sessionId: 's1', ...data },
    metadata: { recordedAt },
    streamName: 'session-s1',
    revision: revision++,
    position: 0n,
    hash: '',
  }) as unknown as Recorded<SessionEvent>;

describe('sessionCast', () => {
  it('builds an asciicast v2 header and time-ordered events across channels and batches', () => {
    const cast = sessionCast([
      event('SessionOpened', { target: { name: 'web-1' } }),
      event('OutputRecorded', {
        channel: 0,
        startOffsetSeconds: 2,
        frames: [
          [0, 'r', '100x30'],
          [0.1, 'o', '$ '],
          [0.5, 'i', 'l'],
        ],
        bytes: 3,
      }),
      event('OutputRecorded', {
        channel: 0,
        startOffsetSeconds: 2,
        frames: [
          [1.25, 'r', '120x40'],
          [1.5, 'o', 'ls\r\n'],
        ],
        bytes: 4,
      }),
      event('OutputRecorded', { channel: 1, startOffsetSeconds: 3, frames: [[0.2, 'o', 'other']], bytes: 5 }),
      event('SessionClosed', {}),
    ]);
    assert.ok(cast);
    assert.deepEqual(cast.header, {
      version: 2,
      width: 100,
      height: 30,
      timestamp: Date.parse('2026-11-22T10:00:02.000Z') / 1000,
      title: 'portcullis session s1 on web-1',
    });
    assert.deepEqual(cast.events, [
      [0.1, 'o', '$ '],
      [0.5, 'i', 'l'],
      [1.2, 'o', 'other'],
      [1.25, 'r', '120x40'],
      [1.5, 'o', 'ls\r\n'],
    ]);
    const lines = [...asciicastLines(cast)];
    assert.equal(lines.length, 6);
    assert.deepEqual(JSON.parse(lines[1] ?? ''), [0.1, 'o', '$ ']);
    assert.deepEqual(
      sessionCast([event('OutputRecorded', { channel: 0, startOffsetSeconds: 0, frames: [], bytes: 0 })], 1),
      null,
    );
  });

  it('is null for a session without terminal output; defaults to 80x24 without a resize frame', () => {
    assert.equal(sessionCast([event('SessionOpened', {}), event('SessionClosed', {})]), null);
    const cast = sessionCast([
      event('OutputRecorded', { channel: 0, startOffsetSeconds: 0, frames: [[0, 'o', 'x']], bytes: 1 }),
    ]);
    assert.deepEqual([cast?.header.width, cast?.header.height], [80, 24]);
    // `ssh -tt` from a pipe asks for a 0x0 pty: that is no size; a real one later stays an "r" event.
    const unsized = sessionCast([
      event('OutputRecorded', {
        channel: 0,
        startOffsetSeconds: 0,
        frames: [
          [0, 'r', '0x0'],
          [0.1, 'o', 'x'],
          [0.2, 'r', '100x30'],
        ],
        bytes: 1,
      }),
    ]);
    assert.deepEqual([unsized?.header.width, unsized?.header.height], [100, 30]);
    assert.deepEqual(unsized?.events, [[0.1, 'o', 'x']]);
  });

  it('marks the command lines received while a channel was recorded, and can leave out typed input', () => {
    const at = (seconds: number) =>
      new Date(Date.parse('2026-11-22T10:00:00.000Z') + seconds * 1000).toISOString();
    const command = (sequence: number, text: string, seconds: number, protocol = 'ssh') =>
      event('CommandReceived', { sequence, protocol, text, classification: {} }, at(seconds));
    const stream = [
      event('SessionOpened', { target: { name: 'web-1' } }),
      command(1, 'uptime', 1),
      event(
        'OutputRecorded',
        {
          channel: 0,
          startOffsetSeconds: 2,
          frames: [
            [0.1, 'o', '$ '],
            [0.5, 'i', 'echo hi\r'],
            [0.6, 'o', 'echo hi\r\nhi\r\n$ '],
            [2, 'o', 'logout\r\n'],
          ],
          bytes: 30,
          // Stored with its last frame (the channel opened 2 s into the session, its last frame 2 s later).
        },
        at(4),
      ),
      command(2, 'echo hi', 2.55),
      command(3, 'exit', 3.9),
      command(4, 'late', 9),
    ];
    const cast = sessionCast(stream, undefined, { markers: true, input: false });
    assert.deepEqual(cast?.events, [
      [0.1, 'o', '$ '],
      [0.55, 'm', 'echo hi'],
      [0.6, 'o', 'echo hi\r\nhi\r\n$ '],
      [1.9, 'm', 'exit'],
      [2, 'o', 'logout\r\n'],
    ]);
    // The markers follow the batches' clock, not SessionOpened's: storing that late moves no marker.
    const lateOpen = [event('SessionOpened', { target: { name: 'web-1' } }, at(0.3)), ...stream.slice(1)];
    assert.deepEqual(
      sessionCast(lateOpen, undefined, { markers: true })?.events.filter((e) => e[1] === 'm'),
      [
        [0.55, 'm', 'echo hi'],
        [1.9, 'm', 'exit'],
      ],
    );
    // Without options: what the CLI writes, input included and no markers.
    assert.deepEqual(
      sessionCast(stream)?.events.map((e) => e[1]),
      ['o', 'i', 'o', 'o'],
    );
  });
});
