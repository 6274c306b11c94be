/**
 * Where the append path's time goes, on a durable PostgreSQL server (fsync
 * on): for 1 and 16 writers and 1 or 2 group-commit transactions in flight,
 * the batch sizes group commit achieved, stale retries, the client's wait per
 * append, and the server's CPU and execution time per batch (pg_stat_statements,
 * nested statements included) and per event.
 *
 *   npx tsc -b bench && node bench/dist/eventstore/append-profile.bench.js
 *
 * BENCH_MS (default 3000) sets each cell's length. Prints a table only.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { startPostgres } from '@portcullis/test-support';
import { openSqlEventStore } from '@portcullis/eventstore';
import { commandEvent as event } from './command-event.js';

const PHASE_MS = Number(process.env.BENCH_MS ?? 3000);

const server = await startPostgres({
  settings: {
    fsync: 'on',
    synchronous_commit: 'on',
    full_page_writes: 'on',
    shared_buffers: '256MB',
    shared_preload_libraries: 'pg_stat_statements',
    'pg_stat_statements.track': 'all',
  },
});
const admin = new pg.Client({ connectionString: server.url() });
await admin.connect();
await admin.query('CREATE EXTENSION pg_stat_statements');

const cells: Record<string, unknown>[] = [];
for (const transactions of [1, 2]) {
  for (const writers of [1, 16]) {
    const opened = await openSqlEventStore(
      { kind: 'postgres', url: server.url(), maxConcurrentTransactions: transactions },
      {},
    );
    const store = opened.store;
    await admin.query('SELECT pg_stat_statements_reset()');
    const cpuBefore = server.cpuMicros();
    const clientCpu = process.cpuUsage();
    const waits: number[] = [];
    let events = 0;
    const started = performance.now();
    const deadline = started + PHASE_MS;
    await Promise.all(
      Array.from({ length: writers }, async () => {
        const sessionId = randomUUID();
        let expected: number | 'no_stream' = 'no_stream';
        for (let sequence = 1; performance.now() < deadline; sequence++) {
          const t = performance.now();
          expected = (await store.append(`session-${sessionId}`, [event(sessionId, sequence)], expected))
            .nextExpectedRevision;
          waits.push(performance.now() - t);
          events += 1;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const serverCpu = server.cpuMicros() - cpuBefore;
    const client = process.cpuUsage(clientCpu);
    const stats = store.groupCommitStats;
    const { rows } = await admin.query<{ query: string; calls: string; mean: number; total: number }>(
      `SELECT query, calls, mean_exec_time AS mean, total_exec_time AS total FROM pg_stat_statements
        WHERE query NOT LIKE '%pg_stat_statements%' ORDER BY total_exec_time DESC LIMIT 6`,
    );
    waits.sort((a, b) => a - b);
    cells.push({
      'txns in flight': transactions,
      writers,
      'events/s': Math.round(events / seconds),
      'appends/txn': (stats.appends / stats.transactions).toFixed(2),
      'stale retries': stats.staleRetries,
      'wait p50 ms': waits[Math.floor(waits.length / 2)]!.toFixed(2),
      'server CPU µs/event': Math.round(serverCpu / events),
      'client CPU µs/event': Math.round((client.user + client.system) / events),
    });
    console.error(`\n${transactions} txn(s), ${writers} writer(s): top statements`);
    for (const r of rows)
      console.error(
        `  ${Number(r.calls)} calls, mean ${r.mean.toFixed(3)} ms, total ${r.total.toFixed(0)} ms: ${r.query.replace(/\s+/g, ' ').slice(0, 110)}`,
      );
    await store.close();
  }
}
console.table(cells);
await admin.end();
await server.stop();
