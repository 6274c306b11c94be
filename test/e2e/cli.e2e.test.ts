/**
 * The `portcullis` command as an operator runs it: a real process, real
 * files, a real PostgreSQL server, exit statuses and messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { freePort, startPostgres, tempDir } from '@portcullis/test-support';
import { openDatabase, openSqlEventStore } from '@portcullis/eventstore';
import { toNewEvent } from '@portcullis/events';

const BIN = fileURLToPath(new URL('../../../services/gateway/bin/portcullis.js', import.meta.url));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function portcullis(
  args: string[],
  options: { cwd?: string; untilOutput?: RegExp; timeoutMs?: number } = {},
) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const done = new Promise<Run>((resolve) =>
    child.on('exit', (status) => resolve({ status, stdout, stderr })),
  );
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  done.finally(() => clearTimeout(timer));
  const ready = options.untilOutput
    ? new Promise<void>((resolve, reject) => {
        const check = () => options.untilOutput!.test(stdout) && resolve();
        child.stdout.on('data', check);
        done.then((r) => reject(new Error(`exited ${r.status} before ready: ${r.stderr}`)));
      })
    : Promise.resolve();
  return { child, done, ready };
}

test('serve with no config runs the embedded default, answers /health, and stops on SIGTERM', async () => {
  const dir = await tempDir();
  const port = await freePort();
  const run = portcullis(['serve', '--api-listen', `127.0.0.1:${port}`], {
    cwd: dir.path,
    untilOutput: /serving http/,
  });
  await run.ready;
  const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as {
    status: string;
    info: { eventStore: { store: string } };
  };
  assert.equal(health.status, 'ok');
  assert.equal(health.info.eventStore.store, `pglite ${join(dir.path, 'data')}`);
  run.child.kill('SIGTERM');
  const result = await run.done;
  assert.equal(result.status, 0, result.stderr);
  await dir.remove();
});

test('a config with an unknown key fails at start naming the key', async () => {
  const dir = await tempDir();
  await writeFile(join(dir.path, 'portcullis.yaml'), 'store:\n  kind: pglite\n  dta_dir: ./x\n');
  const result = await portcullis(['serve', '--config', join(dir.path, 'portcullis.yaml')]).done;
  assert.equal(result.status, 2);
  assert.match(result.stderr, /\/store\/dta_dir must not have additional properties/);
  await dir.remove();
});

test('an unreachable store fails at start naming the address', async () => {
  const dir = await tempDir();
  const port = await freePort(); // nothing listens here
  await writeFile(
    join(dir.path, 'portcullis.yaml'),
    `store:\n  kind: postgres\n  url: postgres://portcullis:secret@127.0.0.1:${port}/portcullis\n`,
  );
  const result = await portcullis(['serve', '--config', join(dir.path, 'portcullis.yaml')]).done;
  assert.equal(result.status, 1);
  assert.match(
    result.stderr,
    new RegExp(`event store postgres 127\\.0\\.0\\.1:${port}/portcullis is unavailable`),
  );
  assert.doesNotMatch(result.stderr, /secret/);
  await dir.remove();
});

test('migrate applies once, then reports up to date, on a real PostgreSQL server', async () => {
  const server = await startPostgres();
  const dir = await tempDir();
  try {
    await writeFile(join(dir.path, 'p.yaml'), `store:\n  kind: postgres\n  url: ${server.url()}\n`);
    const first = await portcullis(['migrate', '--config', join(dir.path, 'p.yaml')]).done;
    assert.equal(first.status, 0, first.stderr);
    assert.match(
      first.stdout,
      /applied 0001_event_store\.sql, 0002_sessions_read_model\.sql, 0003_approvals_read_model\.sql, 0004_compliance_read_models\.sql, 0005_sessions_front_end\.sql, 0006_event_store_chained_append\.sql/,
    );
    const second = await portcullis(['migrate', '--config', join(dir.path, 'p.yaml')]).done;
    assert.match(second.stdout, /is up to date \(6 migrations\)/);
  } finally {
    await dir.remove();
    await server.stop();
  }
});

test('audit verify passes on an untouched store and names the first broken link after tampering', async () => {
  const dir = await tempDir();
  const dataDir = join(dir.path, 'data');
  const sessionId = randomUUID();
  const { store } = await openSqlEventStore({ kind: 'pglite', dataDir });
  const context = { correlationId: sessionId, actor: 'sp', gatewayInstance: 'gw' };
  let expected: number | 'no_stream' = 'no_stream';
  for (let sequence = 1; sequence <= 3; sequence++) {
    const event = toNewEvent({ type: 'CommandForwarded', data: { sessionId, sequence } }, context);
    expected = (await store.append(`session-${sessionId}`, [event], expected)).nextExpectedRevision;
  }
  await store.close();

  const clean = await portcullis(['audit', 'verify', '--data-dir', dataDir]).done;
  assert.equal(clean.status, 0, clean.stderr);
  assert.match(clean.stdout, /OK: 3 events in 1 streams checked, 0 broken/);

  const db = await openDatabase({ kind: 'pglite', dataDir });
  await db.query(
    `UPDATE portcullis_events SET data = jsonb_set(data, '{sequence}', '7') WHERE stream_revision = 1`,
  );
  await db.close();

  const tampered = await portcullis(['audit', 'verify', '--data-dir', dataDir]).done;
  assert.equal(tampered.status, 1);
  assert.match(
    tampered.stdout,
    new RegExp(`BROKEN session-${sessionId} at revision 1 \\(event [0-9a-f-]+\\): hash_mismatch`),
  );
  assert.match(tampered.stdout, /FAILED: 3 events in 1 streams checked, 1 broken/);
  await dir.remove();
});

test('every command has --help and unknown commands exit non-zero', async () => {
  for (const args of [
    ['--help'],
    ['serve', '--help'],
    ['migrate', '--help'],
    ['audit', 'verify', '--help'],
  ]) {
    const result = await portcullis(args).done;
    assert.equal(result.status, 0, args.join(' '));
    assert.match(result.stdout, /Usage: portcullis/);
  }
  const bad = await portcullis(['frobnicate']).done;
  assert.equal(bad.status, 2);
});

const FIXTURES = fileURLToPath(new URL('../../../policies-rego/fixtures/', import.meta.url));

test('policy eval prints the decision of the shipped bundle, with the reason', async () => {
  const dir = await tempDir();
  const { readFile } = await import('node:fs/promises');
  const fixture = JSON.parse(
    await readFile(join(FIXTURES, 'command', 'drop-table-denied-on-production.json'), 'utf8'),
  );
  await writeFile(join(dir.path, 'input.json'), JSON.stringify(fixture.input));
  const result = await portcullis(['policy', 'eval', '--input', join(dir.path, 'input.json')]).done;
  assert.equal(result.status, 0, result.stderr);
  const decision = JSON.parse(result.stdout) as { allow: boolean; deny: string[]; bundle_revision: string };
  assert.equal(decision.allow, false);
  assert.match(decision.deny.join(), /drop is not allowed on target prod-db/);
  assert.match(decision.bundle_revision, /^src-/);
  assert.match(result.stderr, /evaluated in [\d.]+ µs/);
  const missing = await portcullis(['policy', 'eval']).done;
  assert.equal(missing.status, 2);
  await dir.remove();
});

test('policy test passes the shipped fixtures and fails with a diff on a wrong expectation', async () => {
  const ok = await portcullis(['policy', 'test']).done;
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /\d+ passed, 0 failed/);

  const dir = await tempDir();
  const { readFile, mkdir } = await import('node:fs/promises');
  const fixture = JSON.parse(
    await readFile(join(FIXTURES, 'command', 'drop-table-denied-on-production.json'), 'utf8'),
  );
  fixture.expected.allow = true; // a Rego author's wrong belief
  await mkdir(join(dir.path, 'command'));
  await writeFile(join(dir.path, 'command', 'wrong.json'), JSON.stringify(fixture));
  const bad = await portcullis(['policy', 'test', '--fixtures', dir.path]).done;
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /0 passed, 1 failed/);
  assert.match(bad.stdout, /allow/);
  await dir.remove();
});
