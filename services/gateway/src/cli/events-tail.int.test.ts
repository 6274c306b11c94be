import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parsePosition, type Identity } from '@portcullis/events';
import { openSqlEventStore, type EventStore } from '@portcullis/eventstore';
import { SessionRecorder } from '@portcullis/session';
import {
  PORTCULLIS_BIN,
  startPostgres,
  tempDir,
  type PostgresServer,
  type TempDir,
} from '@portcullis/test-support';
import { tailCheckpointId } from './events-tail.command.js';
import { runCli } from './testing/run-cli.js';

/**
 * `portcullis events tail` on real stores: a PGlite data directory written by
 * the real session recorder (one process owns it, so the command runs after
 * the writer closed it), and a PostgreSQL store for `--follow`, where a
 * writer appends while the command, in its own process, streams.
 */
const portcullis = runCli;

const agent: Identity = {
  subject: 'agent-sp',
  issuer: 'https://issuer.test',
  app_id: 'app-1',
  kind: 'service_principal',
  groups: ['ci'],
  roles: [],
  tenant_id: 'tenant-1',
};

/** One recorded PostgreSQL session: open, one allowed statement, one blocked, close (9 events). */
async function recordSession(store: EventStore): Promise<string> {
  const sessionId = randomUUID();
  const recorder = await SessionRecorder.open(
    store,
    {
      sessionId,
      identity: agent,
      target: { name: 'prod-db', protocol: 'postgres', labels: {} },
      protocol: 'postgres',
      clientAddress: '127.0.0.1',
      policyRevision: 'r1',
    } as Parameters<typeof SessionRecorder.open>[1],
    { actor: agent.subject, gatewayInstance: 'gw-tail-test' },
  );
  const decision = { policyRevision: 'r1', decisionId: 'd', evaluationMicros: 1, reasons: [] };
  const first = await recorder.decide(
    { protocol: 'postgres', text: 'SELECT 1', classification: {} },
    { ...decision, outcome: 'allow' },
  );
  await recorder.forwarded(first);
  await recorder.completed(first, { rows: 1, durationMs: 1, commandTag: 'SELECT 1' });
  const second = await recorder.decide(
    { protocol: 'postgres', text: 'DROP TABLE users', classification: {} },
    { ...decision, outcome: 'deny', reasons: ['no drops'] },
  );
  await recorder.blocked(second, { reason: 'no drops', errorCode: '42501' });
  await recorder.close({
    reason: 'client_disconnected',
    bytesFromClient: 1,
    bytesToClient: 1,
    durationMs: 1,
    commands: 2,
  });
  return sessionId;
}
const EVENTS_PER_SESSION = 9;

const lines = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('portcullis events tail (PGlite)', () => {
  let dir: TempDir;
  let dataDir: string;
  const sessions: string[] = [];

  async function withStore<T>(work: (store: EventStore) => Promise<T>): Promise<T> {
    const opened = await openSqlEventStore({ kind: 'pglite', dataDir });
    try {
      return await work(opened.store);
    } finally {
      await opened.store.close();
    }
  }

  before(async () => {
    dir = await tempDir('portcullis-tail-');
    dataDir = join(dir.path, 'data');
    sessions.push(await withStore(recordSession));
  });
  after(() => dir.remove());

  it('prints every event as a JSON line with its global position, in order', async () => {
    const result = await portcullis(['events', 'tail', '--data-dir', dataDir]);
    assert.equal(result.status, 0, result.stderr);
    const events = lines(result.stdout).filter((e) => e.streamName === `session-${sessions[0]}`);
    assert.deepEqual(
      events.map((e) => e.type),
      [
        'SessionOpened',
        'CommandReceived',
        'CommandDecided',
        'CommandForwarded',
        'CommandCompleted',
        'CommandReceived',
        'CommandDecided',
        'CommandBlocked',
        'SessionClosed',
      ],
    );
    const positions = lines(result.stdout).map((e) => parsePosition(String(e.position)));
    for (let i = 1; i < positions.length; i++) {
      const [a, b] = [positions[i - 1]!, positions[i]!];
      assert.ok(a.commit < b.commit || (a.commit === b.commit && a.prepare < b.prepare), 'global order');
    }
    // --from a position: strictly after it.
    const third = String(lines(result.stdout)[2]!.position);
    const rest = await portcullis(['events', 'tail', '--data-dir', dataDir, '--from', third]);
    assert.deepEqual(
      lines(rest.stdout).map((e) => e.id),
      lines(result.stdout)
        .slice(3)
        .map((e) => e.id),
    );
  });

  it('--checkpoint resumes after what it printed: no gap, no repeat', async () => {
    const first = await portcullis(['events', 'tail', '--data-dir', dataDir, '--checkpoint', 'siem-1']);
    assert.equal(first.status, 0, first.stderr);
    const seen = lines(first.stdout).map((e) => e.id as string);
    assert.ok(seen.length >= EVENTS_PER_SESSION);
    const stored = await withStore((store) => store.checkpoints.load(tailCheckpointId('siem-1')));
    assert.equal(`${stored!.commit}/${stored!.prepare}`, lines(first.stdout).at(-1)!.position);

    const nothingNew = await portcullis(['events', 'tail', '--data-dir', dataDir, '--checkpoint', 'siem-1']);
    assert.equal(nothingNew.stdout, '');

    sessions.push(await withStore(recordSession));
    const second = await portcullis(['events', 'tail', '--data-dir', dataDir, '--checkpoint', 'siem-1']);
    assert.equal(second.status, 0, second.stderr);
    const next = lines(second.stdout);
    assert.ok(
      next.every((e) => e.streamName === `session-${sessions[1]}`),
      'only the new session',
    );
    assert.equal(next.length, EVENTS_PER_SESSION);
    const all = await portcullis(['events', 'tail', '--data-dir', dataDir]);
    assert.deepEqual(
      [...seen, ...next.map((e) => e.id)],
      lines(all.stdout).map((e) => e.id),
      'the two runs together are exactly the whole stream',
    );
  });

  it('--format ocsf prints OCSF events, deduplicable by metadata.uid', async () => {
    const json = lines((await portcullis(['events', 'tail', '--data-dir', dataDir])).stdout);
    const result = await portcullis(['events', 'tail', '--data-dir', dataDir, '--format', 'ocsf']);
    assert.equal(result.status, 0, result.stderr);
    const ocsf = lines(result.stdout);
    const sessionEvents = json.filter((e) => String(e.streamName).startsWith('session-'));
    const byUid = new Map(ocsf.map((e) => [(e.metadata as { uid: string }).uid, e]));
    for (const event of sessionEvents) {
      const mapped = byUid.get(event.id as string);
      assert.ok(mapped, `${String(event.type)} has an OCSF event`);
      assert.equal((mapped.metadata as { version: string }).version, '1.8.0');
      assert.equal(
        (mapped.unmapped as { portcullis: { position: string } }).portcullis.position,
        event.position,
      );
    }
    const opened = ocsf.find((e) => e.class_uid === 3002 && e.activity_id === 1)!;
    assert.equal((opened.user as { uid_alt: string }).uid_alt, 'app-1');
    const blocked = ocsf.find((e) => e.class_uid === 2004)!;
    assert.equal(blocked.type_uid, 200401);
    assert.ok(
      ocsf.some(
        (e) =>
          e.class_uid === 6005 &&
          (e.query_info as { query_string?: string })?.query_string === 'DROP TABLE users',
      ),
    );
  });

  it('refuses bad usage with exit status 2', async () => {
    for (const args of [
      ['--from', '1/2', '--checkpoint', 'x'],
      ['--from', 'yesterday'],
      ['--format', 'cef'],
      ['--checkpoint', 'a b'],
    ]) {
      const result = await portcullis(['events', 'tail', '--data-dir', dataDir, ...args]);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^portcullis: /);
    }
  });
});

describe('portcullis events tail --follow (PostgreSQL store)', () => {
  let postgres: PostgresServer;
  let dir: TempDir;
  let configFile: string;
  let store: EventStore;

  before(async () => {
    postgres = await startPostgres();
    dir = await tempDir('portcullis-tail-follow-');
    configFile = join(dir.path, 'portcullis.yaml');
    await writeFile(configFile, `store: { kind: postgres, url: "${postgres.url()}" }\n`);
    store = (await openSqlEventStore({ kind: 'postgres', url: postgres.url() })).store;
  });
  after(async () => {
    await store?.close();
    await dir?.remove();
    await postgres?.stop();
  });

  /** `events tail --follow` in its own process, as an operator runs it. */
  function follow(...args: string[]) {
    const child = spawn(
      process.execPath,
      [PORTCULLIS_BIN, 'events', 'tail', '--config', configFile, '--follow', ...args],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    void exited.then(() => clearTimeout(timer));
    return {
      lines: () => lines(out.slice(0, out.lastIndexOf('\n') + 1)),
      stderr: () => err,
      async waitFor(count: number) {
        const deadline = Date.now() + 20_000;
        while (this.lines().length < count) {
          assert.ok(Date.now() < deadline, `only ${this.lines().length} of ${count} lines: ${err}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      },
      async stop(signal: NodeJS.Signals) {
        child.kill(signal);
        return exited;
      },
    };
  }

  it('streams live events, ends cleanly on SIGINT and SIGTERM, and resumes from its checkpoint with no gap', async () => {
    await recordSession(store);
    const tail = follow('--checkpoint', 'live');
    await tail.waitFor(EVENTS_PER_SESSION);
    await recordSession(store); // appended while it follows
    await tail.waitFor(2 * EVENTS_PER_SESSION);
    assert.equal(await tail.stop('SIGINT'), 0, tail.stderr());
    const firstRun = tail.lines().map((e) => e.id as string);

    await recordSession(store); // while nobody follows
    const again = follow('--checkpoint', 'live', '--format', 'ocsf');
    await again.waitFor(EVENTS_PER_SESSION);
    assert.equal(await again.stop('SIGTERM'), 0, again.stderr());
    const secondRun = again.lines().map((e) => (e.metadata as { uid: string }).uid);

    const everything = (await store.readAll()).map((e) => e.id);
    assert.equal(new Set(firstRun).size, firstRun.length, 'no repeat within a run');
    assert.deepEqual(
      [...firstRun, ...secondRun],
      everything,
      'both runs together: every event once, in order',
    );
  });
});
