/**
 * The statement hot path in one short run: pgbench select-only at 8
 * clients, simple and prepared, direct, through pgbouncer, and through the
 * in-process proxy with strict audit into a durable PostgreSQL store and
 * with no store I/O (diagnostic). Prints tps, ratios against pgbouncer in
 * the same run, added p99 and the proxy's CPU per statement (µs, this
 * process only), then the top of a CPU profile of the no-I/O cell.
 *
 *   npx tsc -b bench && node bench/dist/pg-proxy/hot-path.bench.js
 *
 * BENCH_SECONDS (default 5) per cell, BENCH_PROFILE=0 skips the profile,
 * BENCH_PATHS=durable,PGlite runs only the cells whose name holds one of them,
 * BENCH_PROFILE_FILE keeps the profile (for Chrome DevTools or a script).
 * The full matrix is pgbench.bench.ts; this one is for iterating on the
 * proxy's per-statement cost.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { postgresBinDir, startPostgres, tempDir } from '@portcullis/test-support';
import { profileCpu } from './cpu-profile.js';
import { startPgbouncer } from './pgbouncer.js';
import { run, runPgbench, type PgbenchCell, type PgbenchEndpoint, type QueryMode } from './pgbench-run.js';
import { DURABLE, startPortcullis, TARGET, type PortcullisUnderTest } from './portcullis-proxy.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
/** BENCH_PROFILE: `discard` (default: the proxy's own cost), `durable` (with the store client), or `0`. */
const PROFILE = process.env.BENCH_PROFILE ?? 'discard';
/** BENCH_PROFILE_MODE: which query mode the profile runs (default prepared). */
const PROFILE_MODE: QueryMode = process.env.BENCH_PROFILE_MODE === 'simple' ? 'simple' : 'prepared';
const MODES: QueryMode[] = ['simple', 'prepared'];

interface Row {
  path: string;
  mode: QueryMode;
  cell: PgbenchCell;
  proxyMicrosPerStatement?: number;
  upstreamMicrosPerStatement: number;
  storeMicrosPerStatement?: number;
  appendsPerTransaction?: number;
}

async function main(): Promise<void> {
  const dir = await tempDir('portcullis-bench-hot-path-');
  const cleanups: (() => Promise<unknown>)[] = [() => dir.remove()];
  try {
    const upstream = await startPostgres({ settings: DURABLE });
    cleanups.push(() => upstream.stop());
    // prettier-ignore
    await run(join(postgresBinDir(), 'pgbench'),
      ['-i', '-q', '-s', '10', '-h', '127.0.0.1', '-p', String(upstream.port), '-U', 'postgres', 'postgres'],
      process.env);
    const bouncer = await startPgbouncer(upstream, TARGET.name);
    cleanups.push(() => bouncer.stop());
    // BENCH_STORE_TRANSACTIONS: group-commit transactions in flight at once (default: the store's own).
    const concurrent = process.env.BENCH_STORE_TRANSACTIONS;
    const durable = await startPortcullis(upstream, join(dir.path, 'durable'), {
      kind: 'postgres',
      settings: DURABLE,
      ...(concurrent ? { maxConcurrentTransactions: Number(concurrent) } : {}),
    });
    cleanups.push(() => durable.stop());
    // The same store with every statement waiting write-ahead (audit.overlapReads: false), as before the overlap.
    await mkdir(join(dir.path, 'serial'));
    const serial = await startPortcullis(upstream, join(dir.path, 'serial'), {
      kind: 'postgres',
      settings: DURABLE,
      overlapReads: false,
      ...(concurrent ? { maxConcurrentTransactions: Number(concurrent) } : {}),
    });
    cleanups.push(() => serial.stop());
    await mkdir(join(dir.path, 'discard'));
    await mkdir(join(dir.path, 'pglite'));
    const embedded = await startPortcullis(upstream, join(dir.path, 'pglite'), { kind: 'pglite' });
    cleanups.push(() => embedded.stop());
    const discard = await startPortcullis(upstream, join(dir.path, 'discard'), { kind: 'discard' });
    cleanups.push(() => discard.stop());
    const logDir = join(dir.path, 'logs');
    await mkdir(logDir);

    const through = async (p: PortcullisUnderTest): Promise<PgbenchEndpoint> => ({
      name: 'portcullis',
      port: p.proxy.address.port,
      database: TARGET.name,
      user: 'bench-agent',
      password: await p.token(),
    });
    const paths: [string, () => Promise<PgbenchEndpoint>, PortcullisUnderTest?][] = [
      [
        'direct',
        async () => ({
          name: 'direct',
          port: upstream.port,
          database: 'postgres',
          user: 'postgres',
          password: '',
        }),
      ],
      [
        'pgbouncer',
        async () => ({
          name: 'pgbouncer',
          port: bouncer.port,
          database: TARGET.name,
          user: 'postgres',
          password: '',
        }),
      ],
      ['portcullis strict, durable store', () => through(durable), durable],
      ['portcullis strict, durable store, no read overlap', () => through(serial), serial],
      ['portcullis strict, embedded PGlite store', () => through(embedded), embedded],
      ['portcullis, no store I/O', () => through(discard), discard],
    ];
    // Warm the proxies (wasm, JIT) before measuring.
    for (const p of [durable, serial, embedded, discard])
      for (const mode of MODES)
        await runPgbench(await through(p), { workload: 'select-only', mode, clients: 1, seconds: 1, logDir });

    // BENCH_PATHS: a comma-separated subset of cells by substring (direct and pgbouncer always run: they are the peers).
    const only = process.env.BENCH_PATHS?.split(',').map((s) => s.trim());
    const chosen = paths.filter(
      ([path]) => !only || path === 'direct' || path === 'pgbouncer' || only.some((o) => path.includes(o)),
    );
    const rows: Row[] = [];
    for (const mode of MODES) {
      for (const [path, endpoint, portcullis] of chosen) {
        const cpu = process.cpuUsage();
        const upstreamCpu = upstream.cpuMicros();
        const storeCpu = portcullis?.storeCpuMicros() ?? 0;
        const store = portcullis?.groupCommitStats();
        const cell = await runPgbench(await endpoint(), {
          workload: 'select-only',
          mode,
          clients: 8,
          seconds: SECONDS,
          logDir,
        });
        const used = process.cpuUsage(cpu);
        const row: Row = {
          path,
          mode,
          cell,
          upstreamMicrosPerStatement: (upstream.cpuMicros() - upstreamCpu) / cell.transactions,
        };
        if (portcullis) {
          row.proxyMicrosPerStatement = (used.user + used.system) / cell.transactions;
          const after = portcullis.groupCommitStats();
          if (after.transactions > store!.transactions) {
            row.storeMicrosPerStatement = (portcullis.storeCpuMicros() - storeCpu) / cell.transactions;
            row.appendsPerTransaction =
              (after.appends - store!.appends) / (after.transactions - store!.transactions);
          }
        }
        rows.push(row);
        console.error(`${mode} ${path}: ${cell.tps.toFixed(0)} tps, p99 ${cell.p99Ms.toFixed(2)} ms`);
      }
    }
    console.log(
      `\nselect-only, 8 clients, ${SECONDS} s per cell (${new Date().toISOString().slice(0, 10)})\n`,
    );
    console.log(
      '| mode | path | tps | vs pgbouncer | vs direct | p99 ms | added p99 ms | proxy µs/stmt | upstream server µs/stmt | store server µs/stmt | appends per store transaction |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const row of rows) {
      const peer = (name: string) => rows.find((r) => r.mode === row.mode && r.path === name)!.cell;
      const bouncer = peer('pgbouncer');
      const directCell = peer('direct');
      console.log(
        `| ${row.mode} | ${row.path} | ${row.cell.tps.toFixed(0)} | ${(row.cell.tps / bouncer.tps).toFixed(3)}× | ` +
          `${(row.cell.tps / directCell.tps).toFixed(3)}× | ${row.cell.p99Ms.toFixed(2)} | ` +
          `${(row.cell.p99Ms - directCell.p99Ms).toFixed(2)} | ${row.proxyMicrosPerStatement?.toFixed(0) ?? '—'} | ` +
          `${row.upstreamMicrosPerStatement.toFixed(0)} | ${storeCell(row.storeMicrosPerStatement)} | ` +
          `${row.appendsPerTransaction?.toFixed(1) ?? '—'} |`,
      );
    }
    if (PROFILE !== '0') {
      const file = process.env.BENCH_PROFILE_FILE ?? join(dir.path, 'hot-path.cpuprofile');
      const endpoint = await through(PROFILE === 'durable' ? durable : discard);
      const summary = await profileCpu(async () => {
        await runPgbench(endpoint, {
          workload: 'select-only',
          mode: PROFILE_MODE,
          clients: 8,
          seconds: SECONDS,
          logDir,
        });
      }, file);
      console.log(
        `\nprofile, ${PROFILE_MODE}, ${PROFILE === 'durable' ? 'durable store' : 'no store I/O'}: busy ${summary.busyPercent.toFixed(0)}% of one core`,
      );
      for (const f of summary.topFunctions.slice(0, 25))
        console.log(`  ${f.percent.toFixed(1)}%  ${f.where}`);
      console.log('by module:');
      for (const m of summary.byModule.slice(0, 12)) console.log(`  ${m.percent.toFixed(1)}%  ${m.where}`);
      console.log('inclusive (our code):');
      for (const m of summary.inclusive.slice(0, 25)) console.log(`  ${m.percent.toFixed(1)}%  ${m.where}`);
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e: unknown) => console.error(e));
  }
}

/** The store server's CPU per statement; PGlite runs in the proxy's process (its CPU is the proxy's). */
function storeCell(micros: number | undefined): string {
  if (micros === undefined) return '—';
  return Number.isNaN(micros) ? 'in the proxy' : micros.toFixed(0);
}

await main();
export {};
