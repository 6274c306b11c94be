/**
 * Event store benchmark: append throughput with 1 and 16 concurrent writers
 * (group commit on), catch-up read rate, and subscription lag at a fixed
 * sustained append rate, for the embedded store (PGlite) and a real
 * PostgreSQL server with durable commits (fsync on, synchronous_commit on).
 *
 * The peers, measured in the same run on the same server, of the same JSON
 * into a bare table (one index): a plain `INSERT … ; COMMIT` per event from
 * each writer's own connection, which is what an event store without group
 * commit, hash chain or concurrency checks would cost; and, for 16 writers,
 * one connection writing one multi-row `INSERT` of 16 events per commit, back
 * to back: what ideal batching with no checks, no chain and no indexes of an
 * event store would cost (the ceiling group commit aims at).
 *
 *   npx tsc -b bench && node bench/dist/eventstore/eventstore.bench.js
 *
 * BENCH_MS (default 3000) sets each phase's length. Prints a table and writes
 * bench/results/eventstore.json.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { startPostgres, tempDir } from '@portcullis/test-support';
import { openSqlEventStore, type EventStore } from '@portcullis/eventstore';
import type { Position } from '@portcullis/events';
import { commandEvent } from './command-event.js';

const PHASE_MS = Number(process.env.BENCH_MS ?? 3000);
const LAG_RATE = 2000; // events per second, the issue's fixed rate
const LAG_MS = Math.max(PHASE_MS, 3000);
const LAG_WRITERS = 32;
const STORES = (process.env.BENCH_STORES ?? 'pglite,postgres').split(',');

interface Row {
  store: string;
  measure: string;
  writers: number | null;
  value: number;
  unit: string;
  p50?: number;
  p99?: number;
  vsPeer?: number;
  /** Against one connection writing the same events as multi-row INSERTs of `writers` rows. */
  vsBatchedPeer?: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

async function appendThroughput(store: EventStore, writers: number): Promise<number> {
  const deadline = performance.now() + PHASE_MS;
  let events = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      const sessionId = randomUUID();
      let expected: number | 'no_stream' = 'no_stream';
      for (let sequence = 1; performance.now() < deadline; sequence++) {
        expected = (await store.append(`session-${sessionId}`, [commandEvent(sessionId, sequence)], expected))
          .nextExpectedRevision;
        events += 1;
      }
    }),
  );
  return events / ((performance.now() - started) / 1000);
}

async function rawInsertThroughput(url: string, writers: number): Promise<number> {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(
    'CREATE TABLE IF NOT EXISTS bench_raw_events (id bigserial PRIMARY KEY, stream text, data jsonb)',
  );
  await setup.end();
  const clients = await Promise.all(
    Array.from({ length: writers }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  const deadline = performance.now() + PHASE_MS;
  const started = performance.now();
  let events = 0;
  await Promise.all(
    clients.map(async (client) => {
      const sessionId = randomUUID();
      for (let sequence = 1; performance.now() < deadline; sequence++) {
        const event = commandEvent(sessionId, sequence);
        await client.query('INSERT INTO bench_raw_events (stream, data) VALUES ($1, $2)', [
          `session-${sessionId}`,
          JSON.stringify(event),
        ]);
        events += 1;
      }
    }),
  );
  const rate = events / ((performance.now() - started) / 1000);
  await Promise.all(clients.map((c) => c.end()));
  return rate;
}

/** One connection, one multi-row INSERT of `rows` events per transaction, back to back. */
async function rawBatchedInsertThroughput(url: string, rows: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const values = Array.from({ length: rows }, (_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(', ');
  const text = `INSERT INTO bench_raw_events (stream, data) VALUES ${values}`;
  const sessions = Array.from({ length: rows }, () => randomUUID());
  const deadline = performance.now() + PHASE_MS;
  const started = performance.now();
  let events = 0;
  for (let sequence = 1; performance.now() < deadline; sequence++) {
    const params = sessions.flatMap((sessionId) => [
      `session-${sessionId}`,
      JSON.stringify(commandEvent(sessionId, sequence)),
    ]);
    await client.query(text, params);
    events += rows;
  }
  const rate = events / ((performance.now() - started) / 1000);
  await client.end();
  return rate;
}

async function catchUpRate(store: EventStore): Promise<{ rate: number; events: number }> {
  const started = performance.now();
  let events = 0;
  let from: Position | undefined;
  for (;;) {
    const page = await store.readAll({ from, maxCount: 1000 });
    events += page.length;
    if (page.length < 1000) break;
    from = page.at(-1)!.position;
  }
  return { rate: events / ((performance.now() - started) / 1000), events };
}

/** Appends at LAG_RATE from 32 writers (sessions); lag = subscriber receipt − append call. */
async function subscriptionLag(
  store: EventStore,
): Promise<{ p50: number; p99: number; achievedRate: number }> {
  const sentAt = new Map<string, number>();
  const lags: number[] = [];
  const subscription = store.subscribeToAll({ from: 'end', filter: { eventTypes: ['CommandReceived'] } });
  const consuming = (async () => {
    for await (const event of subscription) {
      const t = sentAt.get(event.id);
      if (t !== undefined) lags.push(performance.now() - t);
    }
  })();
  await new Promise((r) => setTimeout(r, 200));

  const writers = LAG_WRITERS;
  const perWriterInterval = 1000 / (LAG_RATE / writers);
  const started = performance.now();
  let sent = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const sessionId = randomUUID();
      let expected: number | 'no_stream' = 'no_stream';
      for (let sequence = 1; ; sequence++) {
        const due = started + w * (perWriterInterval / writers) + (sequence - 1) * perWriterInterval;
        if (due > started + LAG_MS) break;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const event = commandEvent(sessionId, sequence);
        sentAt.set(event.id, performance.now());
        expected = (await store.append(`session-${sessionId}`, [event], expected)).nextExpectedRevision;
        sent += 1;
      }
    }),
  );
  const achievedRate = sent / ((performance.now() - started) / 1000);
  const deadline = performance.now() + 5000;
  while (lags.length < sent && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await subscription.close();
  await consuming;
  lags.sort((a, b) => a - b);
  if (lags.length < sent) throw new Error(`subscription delivered ${lags.length} of ${sent} events`);
  return { p50: percentile(lags, 0.5), p99: percentile(lags, 0.99), achievedRate };
}

async function measureStore(name: string, store: EventStore, peerUrl?: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const writers of [1, 16]) {
    const rate = await appendThroughput(store, writers);
    const peer = peerUrl ? await rawInsertThroughput(peerUrl, writers) : undefined;
    const batched = peerUrl && writers > 1 ? await rawBatchedInsertThroughput(peerUrl, writers) : undefined;
    rows.push({
      store: name,
      measure: 'append',
      writers,
      value: rate,
      unit: 'events/s',
      vsPeer: peer && rate / peer,
      vsBatchedPeer: batched && rate / batched,
    });
    if (peer)
      rows.push({ store: 'raw INSERT (peer)', measure: 'append', writers, value: peer, unit: 'events/s' });
    if (batched)
      rows.push({
        store: `raw ${writers}-row INSERT (peer)`,
        measure: 'append, one connection',
        writers: 1,
        value: batched,
        unit: 'events/s',
      });
    console.error(
      `${name}: ${writers} writer(s) ${rate.toFixed(0)} events/s${peer ? `, raw INSERT ${peer.toFixed(0)}` : ''}` +
        `${batched ? `, raw ${writers}-row INSERT ${batched.toFixed(0)} (store at ${(rate / batched).toFixed(2)}× of it)` : ''}`,
    );
  }
  const read = await catchUpRate(store);
  rows.push({
    store: name,
    measure: `catch-up read (${read.events} events)`,
    writers: null,
    value: read.rate,
    unit: 'events/s',
  });
  const lag = await subscriptionLag(store);
  rows.push({
    store: name,
    measure: `subscription lag @ ${LAG_RATE}/s (achieved ${lag.achievedRate.toFixed(0)}/s)`,
    writers: LAG_WRITERS,
    value: lag.p99,
    unit: 'ms p99',
    p50: lag.p50,
    p99: lag.p99,
  });
  return rows;
}

async function main(): Promise<void> {
  const rows: Row[] = [];

  if (STORES.includes('pglite')) {
    const dir = await tempDir('portcullis-bench-pglite-');
    const embedded = await openSqlEventStore({ kind: 'pglite', dataDir: dir.path });
    rows.push(...(await measureStore('pglite', embedded.store)));
    await embedded.store.close();
    await dir.remove();
  }

  // Durable commits: the numbers an operator gets, not a test server's.
  if (STORES.includes('postgres')) await measurePostgres(rows);
  await report(rows);
}

async function measurePostgres(rows: Row[]): Promise<void> {
  const server = await startPostgres({
    settings: { fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on', shared_buffers: '256MB' },
  });
  const postgres = await openSqlEventStore({ kind: 'postgres', url: server.url() });
  rows.push(...(await measureStore('postgres', postgres.store, server.url())));
  await postgres.store.close();
  await server.stop();
}

async function report(rows: Row[]): Promise<void> {
  console.log('\nEvent store benchmark (this machine; fsync on for postgres)\n');
  console.table(
    rows.map((r) => ({
      store: r.store,
      measure: r.measure,
      writers: r.writers ?? '',
      value:
        r.unit === 'ms p99'
          ? `p50 ${r.p50!.toFixed(1)} / p99 ${r.p99!.toFixed(1)} ms`
          : `${r.value.toFixed(0)} ${r.unit}`,
      'vs raw INSERT': r.vsPeer ? `${r.vsPeer.toFixed(2)}×` : '',
      'vs multi-row INSERT': r.vsBatchedPeer ? `${r.vsBatchedPeer.toFixed(2)}×` : '',
    })),
  );
  await mkdir(new URL('../../results/', import.meta.url), { recursive: true });
  await writeFile(
    new URL('../../results/eventstore.json', import.meta.url),
    JSON.stringify({ date: new Date().toISOString(), phaseMs: PHASE_MS, rows }, null, 2) + '\n',
  );
}

await main();
