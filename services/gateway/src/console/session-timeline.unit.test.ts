import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DomainEvent, Recorded } from '@portcullis/events';
import { sessionTimeline } from './session-timeline.js';

let revision = 0;
const recorded = (type: string, data: Record<string, unknown>): Recorded<DomainEvent> =>
  ({
    id: `e${revision}`,
    type,
    schemaVersion: 1,
    data: { sessionId: 's1', ...data },
    metadata: { recordedAt: `2026-01-01T00:00:0${revision++}.000Z` },
    streamName: 'session-s1',
    revision,
    position: { commit: BigInt(revision), prepare: BigInt(revision) },
    hash: '',
  }) as unknown as Recorded<DomainEvent>;

describe('sessionTimeline', () => {
  it('gives each command its last decision, block, result and masks, and never result rows', () => {
    const timeline = sessionTimeline([
      recorded('CommandReceived', {
        sequence: 1,
        protocol: 'postgres',
        text: 'DELETE FROM t',
        classification: { statements: [{ kind: 'delete', objects: ['public.t'] }] },
      }),
      recorded('CommandDecided', {
        sequence: 1,
        outcome: 'review',
        reasons: ['needs approval'],
        approvalId: 'a1',
      }),
      recorded('CommandDecided', { sequence: 1, outcome: 'deny', reasons: ['approval a1 denied'] }),
      recorded('CommandBlocked', { sequence: 1, reason: 'denied', errorCode: '42501' }),
      recorded('CommandReceived', { sequence: 2, protocol: 'postgres', text: 'SELECT email FROM users' }),
      recorded('CommandDecided', { sequence: 2, outcome: 'allow', reasons: [] }),
      recorded('ResultMasked', {
        sequence: 2,
        columns: [{ column: 'public.users.email', method: 'partial', count: 3 }],
      }),
      recorded('CommandCompleted', {
        sequence: 2,
        rows: 3,
        durationMs: 4,
        commandTag: 'SELECT 3',
        resultRows: [['a***@example.org']],
      }),
    ]);
    const [deleted, selected] = timeline.commands;
    assert.equal(deleted!.outcome, 'deny');
    assert.deepEqual(deleted!.reasons, ['approval a1 denied']);
    assert.equal(deleted!.approvalId, 'a1');
    assert.deepEqual(deleted!.blocked, { reason: 'denied', errorCode: '42501' });
    assert.deepEqual(deleted!.statements, [{ kind: 'delete', objects: ['public.t'] }]);
    assert.equal(selected!.outcome, 'allow');
    assert.deepEqual(selected!.masks, [
      { column: 'public.users.email', method: 'partial', rule: undefined, detector: undefined, count: 3 },
    ]);
    assert.deepEqual(selected!.completed, {
      rows: 3,
      durationMs: 4,
      commandTag: 'SELECT 3',
      error: undefined,
    });
    assert.doesNotMatch(JSON.stringify(timeline), /example\.org/);
    assert.equal(timeline.recorded, false, 'no terminal was recorded');
  });

  it('knows when a terminal channel was recorded', () => {
    const timeline = sessionTimeline([
      recorded('SessionOpened', { protocol: 'ssh' }),
      recorded('OutputRecorded', { channel: 0, startOffsetSeconds: 0, frames: [[0, 'o', '$ ']], bytes: 2 }),
    ]);
    assert.equal(timeline.recorded, true);
  });
});
