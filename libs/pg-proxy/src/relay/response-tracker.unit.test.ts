import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backend } from '../protocol/index.js';
import { decodeNoticeFields } from '../protocol/backend-decoders.js';
import type { BackendFrame } from '../protocol/messages.js';
import { ResponseTracker, type TrackedCommand } from './response-tracker.js';

const frame = (bytes: Buffer): BackendFrame => ({ code: bytes[0]!, frame: bytes });
const error = (code: string) =>
  frame(backend.errorResponse({ severity: 'ERROR', code, message: `boom ${code}` }));

function tracker() {
  const completed: TrackedCommand[] = [];
  const faults: string[] = [];
  const t = new ResponseTracker({
    completed: (c) => completed.push(c),
    fault: (d) => faults.push(d),
    describeRows: (_c, frame) => frame,
    catalogChanged: () => undefined,
    copyOut: (_c: TrackedCommand, frame: Buffer) => frame,
    maskMessage: (_c: TrackedCommand, frame: Buffer) => frame,
  });
  return { t, completed, faults };
}
const command = (sequence: number): TrackedCommand => ({
  sequence,
  startedAt: process.hrtime.bigint(),
  rows: null,
});

describe('ResponseTracker', () => {
  it('a server gone mid-pipeline: each command still owed an answer completes with its FATAL', () => {
    const { t, completed } = tracker();
    t.expect({ kind: 'query', command: command(1) });
    t.expect({ kind: 'query', command: command(2) });
    const fatal = frame(backend.errorResponse({ severity: 'FATAL', code: '57P01', message: 'terminated' }));
    assert.equal(t.onFrame(fatal), fatal.frame);
    assert.deepEqual(t.upstreamFatal, { code: '57P01', message: 'terminated' });
    t.cutOff({ code: '08006', message: 'closed' });
    assert.deepEqual(
      completed.map((c) => [c.sequence, c.error?.code]),
      [
        [1, '57P01'],
        [2, '57P01'],
      ],
    );
    assert.ok(t.quiet);
  });

  it('a server gone without a word: the cause is the error of those without one; an ERROR is no FATAL', () => {
    const { t, completed } = tracker();
    t.expect({ kind: 'query', command: command(1) });
    t.onFrame(error('22012'));
    t.expect({ kind: 'execute', command: command(2) });
    assert.equal(t.upstreamFatal, undefined);
    t.cutOff({ code: '08006', message: 'closed' });
    assert.deepEqual(
      completed.map((c) => [c.sequence, c.error?.code]),
      [
        [1, '22012'],
        [2, '08006'],
      ],
    );
  });

  it('attributes a simple query: rows from every CommandComplete, status from ReadyForQuery', () => {
    const { t, completed } = tracker();
    t.expect({ kind: 'query', command: command(1) });
    for (const f of [backend.commandComplete('INSERT 0 2'), backend.commandComplete('UPDATE 3')]) {
      assert.equal(t.onFrame(frame(f)), f);
    }
    t.onFrame(frame(backend.readyForQuery('T')));
    assert.equal(t.status, 'T');
    assert.deepEqual(
      completed.map((c) => [c.sequence, c.rows, c.tag]),
      [[1, 5, 'UPDATE 3']],
    );
    assert.ok(t.quiet);
  });

  it("replaces the poison's error with the denial, and only that one", () => {
    const { t } = tracker();
    t.expect({ kind: 'query', refusal: 'no drops' });
    const out = t.onFrame(error('22P02'))!;
    const fields = decodeNoticeFields(out) as Record<string, string>;
    assert.equal(fields.C, '42501');
    assert.equal(fields.M, 'portcullis: denied: no drops');
  });

  it('after an extended error, skips to Sync: skipped Parse forgotten, skipped Execute not executed', () => {
    const { t, completed } = tracker();
    let parseFailed = 0;
    t.expect({ kind: 'parse', onFailure: () => parseFailed++ });
    t.expect({ kind: 'bind' });
    t.expect({ kind: 'execute', command: command(1) });
    t.expect({ kind: 'parse', onFailure: () => parseFailed++ });
    t.expect({ kind: 'sync' });
    t.onFrame(frame(backend.parseComplete()));
    t.onFrame(error('22P02')); // the Bind failed
    assert.equal(parseFailed, 1, 'the second Parse never ran');
    assert.deepEqual(completed[0]!.error, { code: '22P02', message: 'not executed: boom 22P02' });
    t.onFrame(frame(backend.readyForQuery('I')));
    assert.ok(t.quiet);
  });

  it('messages forwarded after the server failed, before any Sync, are ignored by the server: not awaited', () => {
    const { t, completed } = tracker();
    t.expect({ kind: 'bind' });
    t.onFrame(error('08P01'));
    t.expect({ kind: 'execute', command: command(2) });
    t.expect({ kind: 'sync' });
    assert.equal(completed.length, 1);
    t.onFrame(frame(backend.readyForQuery('I')));
    assert.ok(t.quiet, 'the ReadyForQuery belongs to the Sync, nothing is left behind');
    t.expect({ kind: 'bind' });
    assert.ok(!t.quiet, 'after Sync the server listens again');
  });

  it('fails the session when the poison does not fail, or the client encoding leaves UTF8', () => {
    const { t, faults } = tracker();
    t.expect({ kind: 'refused', refusal: 'x' });
    assert.equal(t.onFrame(frame(backend.parseComplete())), null);
    assert.equal(t.onFrame(frame(backend.parameterStatus('client_encoding', 'SJIS'))), null);
    assert.equal(faults.length, 2);
  });
});
