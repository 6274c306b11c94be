import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { tempDir } from '@portcullis/test-support';
import { type PolicyDecision } from '../contract/decision.js';
import { buildTestBundle, MISBEHAVING_POLICY } from '../testing/test-bundles.js';
import { PolicyEngine } from './policy-engine.js';

const input = {
  identity: { subject: 's', issuer: 'i' },
  target: { name: 't', protocol: 'postgres' as const },
  command: { text: 'SELECT 1', protocol: 'postgres' as const, statements: [], columns_read: [] },
};

test('hot reload under concurrent decisions: every decision is whole, old then new, never mixed', async () => {
  await using dir = await tempDir('portcullis-policy-');
  const a = await buildTestBundle({
    dir: join(dir.path, 'a'),
    files: MISBEHAVING_POLICY,
    data: { derived: 'mask' },
    revision: 'rev-a',
  });
  const b = await buildTestBundle({
    dir: join(dir.path, 'b'),
    files: MISBEHAVING_POLICY,
    data: { derived: 'deny' },
    revision: 'rev-b',
  });
  // The budget is not under test here; a loaded CI machine must not turn into spurious denies.
  const engine = await PolicyEngine.load(a, { budgetNs: 5e9 });

  const seen: PolicyDecision[] = [];
  let stop = false;
  // Several "connections" deciding on every turn of the event loop while the reload runs.
  const workers = Array.from({ length: 4 }, async () => {
    while (!stop) {
      seen.push(engine.decideCommand(input));
      await nextTurn();
    }
  });
  await nextTurn();
  const result = await engine.reload(b);
  for (let i = 0; i < 20; i++) await nextTurn();
  stop = true;
  await Promise.all(workers);

  assert.deepEqual(result, { ok: true, revision: 'rev-b', previousRevision: 'rev-a' });
  assert.ok(seen.length > 20);
  for (const d of seen) {
    assert.equal(d.allow, true);
    // The data of a decision always belongs to the revision it reports.
    assert.equal(d.mask_derived, d.bundle_revision === 'rev-a' ? 'mask' : 'deny');
  }
  const revisions = seen.map((d) => d.bundle_revision);
  const firstB = revisions.indexOf('rev-b');
  assert.ok(firstB > 0, 'decisions ran on the old bundle before the swap');
  assert.ok(
    revisions.slice(firstB).every((r) => r === 'rev-b'),
    'no decision went back to the old bundle',
  );
});

test('a bad bundle on reload keeps the old one active and says why', async () => {
  await using dir = await tempDir('portcullis-policy-');
  const a = await buildTestBundle({ dir: join(dir.path, 'a'), files: MISBEHAVING_POLICY, revision: 'rev-a' });
  const engine = await PolicyEngine.load(a);
  const broken = join(dir.path, 'broken.tar.gz');
  await writeFile(broken, 'garbage');

  const result = await engine.reload(broken);
  assert.equal(result.ok, false);
  assert.ok(!result.ok && /not a gzip-compressed tar archive/.test(result.error.message));
  assert.ok(!result.ok && result.activeRevision === 'rev-a');
  assert.equal(engine.revision, 'rev-a');
  assert.equal(engine.decideCommand(input).allow, true);

  const missingEntrypoint = await buildTestBundle({
    dir: join(dir.path, 'c'),
    files: MISBEHAVING_POLICY,
    entrypoints: ['portcullis/session/decision'],
  });
  const second = await engine.reload(missingEntrypoint);
  assert.ok(!second.ok && /lacks entrypoint/.test(second.error.message));
  assert.equal(engine.revision, 'rev-a');
});
