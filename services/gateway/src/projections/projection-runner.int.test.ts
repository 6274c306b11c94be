import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { toNewEvent, type DomainEvent, type Recorded } from '@portcullis/events';
import { openSqlEventStore, type OpenedEventStore, type SqlExecutor } from '@portcullis/eventstore';
import { tempDir, type TempDir } from '@portcullis/test-support';
import { createLogger } from '../logging/logger.js';
import { ProjectionRunner } from './projection-runner.js';
import type { Projection } from './projection.js';

/**
 * The projection runner on a real PGlite store: events applied once each
 * with their checkpoint, resumed after a restart, retried (never skipped)
 * after a failing apply, and rebuilt to the same rows.
 */
const log = createLogger('silent', 'test');

/** Counts PolicyRejected events per bundle; fails on demand to test stalls. */
function countingProjection(failOn: Set<string>): Projection {
  return {
    name: 'test_counts',
    tables: ['test_counts'],
    eventTypes: ['PolicyRejected'],
    async apply(tx: SqlExecutor, event: Recorded<DomainEvent>) {
      if (event.type !== 'PolicyRejected') return;
      const { bundleName, reason } = event.data;
      if (failOn.has(reason)) throw new Error(`cannot apply ${reason}`);
      await tx.query(
        `INSERT INTO test_counts (bundle, n) VALUES ($1, 1) ON CONFLICT (bundle) DO UPDATE SET n = test_counts.n + 1`,
        [bundleName],
      );
    },
  };
}

describe('ProjectionRunner (pglite)', () => {
  let dir: TempDir;
  let opened: OpenedEventStore;
  before(async () => {
    dir = await tempDir('portcullis-projection-');
    opened = await openSqlEventStore({ kind: 'pglite', dataDir: dir.path });
    await opened.db.query('CREATE TABLE test_counts (bundle text PRIMARY KEY, n int NOT NULL)');
  });
  after(async () => {
    await opened.store.close();
    await dir.remove();
  });

  const append = (bundleName: string, reason: string) =>
    opened.store.append(
      `policy-${bundleName}`,
      [
        toNewEvent(
          { type: 'PolicyRejected', data: { bundleName, source: 'test', reason } },
          { correlationId: bundleName, actor: 'test', gatewayInstance: 'gw-test' },
        ),
      ],
      'any',
    );
  const counts = async () =>
    (
      await opened.db.query<{ bundle: string; n: number }>(
        'SELECT bundle, n FROM test_counts ORDER BY bundle',
      )
    ).rows;
  const until = async (check: () => Promise<boolean>, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      assert.ok(Date.now() < deadline, what);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('applies each event once, resumes from its checkpoint, and rebuilds to the same rows', async () => {
    const bundle = `b-${randomUUID()}`;
    for (let i = 0; i < 3; i++) await append(bundle, `r${i}`);
    const first = new ProjectionRunner(countingProjection(new Set()), opened.store, opened.db, log);
    await first.start();
    await until(async () => (await counts()).some((r) => r.bundle === bundle && r.n === 3), 'three applied');
    assert.equal(first.snapshot().state, 'live');
    await first.stop();

    await append(bundle, 'r3');
    const second = new ProjectionRunner(countingProjection(new Set()), opened.store, opened.db, log);
    await second.start();
    await until(
      async () => (await counts()).some((r) => r.bundle === bundle && r.n === 4),
      'the fourth applied',
    );
    assert.equal(second.snapshot().eventsApplied, 1, 'only the new event: nothing applied twice');
    const before = await counts();
    await second.rebuild();
    await until(
      async () => JSON.stringify(await counts()) === JSON.stringify(before),
      'rebuilt the same rows',
    );
    await second.stop();
  });

  it('a failing event stalls the projection, is retried, and is never skipped', async () => {
    const bundle = `b-${randomUUID()}`;
    const failOn = new Set(['poison']);
    await append(bundle, 'ok-1');
    await append(bundle, 'poison');
    await append(bundle, 'ok-2');
    const runner = new ProjectionRunner(countingProjection(failOn), opened.store, opened.db, log);
    await runner.start();
    await until(async () => runner.snapshot().state === 'stalled', 'stalled on the poison event');
    assert.match(runner.snapshot().lastError ?? '', /cannot apply poison/);
    assert.deepEqual(
      (await counts()).filter((r) => r.bundle === bundle),
      [{ bundle, n: 1 }],
      'nothing after the failing event was applied',
    );
    failOn.clear(); // the fix is deployed: the retry goes through
    await until(
      async () => (await counts()).some((r) => r.bundle === bundle && r.n === 3),
      'all three applied',
    );
    assert.equal(runner.snapshot().state, 'live');
    await runner.stop();
  });
});
