import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { RecordedEvent } from '@portcullis/events';
import { HeadsDigest } from './heads-digest.js';
import { HeadsFold } from './heads-fold.js';

/** Events of 7 interleaved streams, chained: each names its stream's previous hash. */
function events(count: number): RecordedEvent[] {
  const heads = new Map<string, { revision: number; hash: string }>();
  return Array.from({ length: count }, (_, i) => {
    const streamName = `session-${i % 7}`;
    const previous = heads.get(streamName);
    const revision = (previous?.revision ?? -1) + 1;
    const hash = createHash('sha256').update(`${streamName}/${revision}`).digest('hex');
    heads.set(streamName, { revision, hash });
    return {
      streamName,
      revision,
      hash,
      metadata: { prevHash: previous?.hash ?? '0'.repeat(64) },
    } as unknown as RecordedEvent;
  });
}

describe('HeadsFold (the digest in a worker thread)', () => {
  it('ends where the same fold on this thread ends, and resumes from a snapshot', async () => {
    const all = events(1500);
    const here = HeadsDigest.empty();
    for (const e of all) here.advance(e.streamName, e.revision, e.hash, e.metadata.prevHash);

    const fold = new HeadsFold(null);
    for (const e of all.slice(0, 900)) await fold.add(e);
    const middle = await fold.snapshot();
    for (const e of all.slice(900)) await fold.add(e);
    const end = await fold.snapshot();
    await fold.close();
    assert.deepEqual(end, { headsDigest: here.toBase64(), streams: 7, events: 1500 });

    const resumed = new HeadsFold(middle);
    for (const e of all.slice(900)) await resumed.add(e);
    assert.deepEqual(await resumed.snapshot(), end);
    await resumed.close();
    await assert.rejects(resumed.snapshot(), /closed/);
  });
});
