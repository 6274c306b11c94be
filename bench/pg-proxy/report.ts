/**
 * The pgbench benchmark's rows and how they are shown: one table of TPS and
 * p99 per path with Portcullis's ratios, the attribution runs, the streaming
 * rows, the CPU profiles; and the same as JSON in bench/results/pg-proxy.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import type { ProfileSummary } from './cpu-profile.js';
import type { PgbenchCell, QueryMode, Workload } from './pgbench-run.js';

export interface ReportSettings {
  readonly secondsPerCell: number;
  readonly scale: number;
  readonly streamRows: number;
  readonly streamRepeats: number;
}

export type Outcome = PgbenchCell | { error: string };

export interface MatrixRow {
  workload: Workload;
  mode: QueryMode;
  clients: number;
  direct: Outcome;
  pgbouncer: Outcome;
  portcullis: Outcome;
  /** CPU this process (the proxy) spent per Portcullis transaction, user + system. */
  proxyCpuMicrosPerTx?: number;
  /** Event store appends, and group-commit transactions, per Portcullis transaction. */
  appendsPerTx?: number;
  storeCommitsPerTx?: number;
}

/** One cell run again under a changed condition, to attribute the time. */
export interface DiagnosticRow {
  condition: string;
  mode: QueryMode;
  clients: number;
  outcome: Outcome;
}

export interface StreamRow {
  path: string;
  seconds: number;
  rowsPerSecond: number;
  vsDirect: number;
  note?: string;
}

export interface LabelledProfile {
  label: string;
  tps: number;
  summary: ProfileSummary;
}

export async function report(
  settings: ReportSettings,
  matrix: MatrixRow[],
  diagnostics: DiagnosticRow[],
  stream: StreamRow[],
  profiles: LabelledProfile[],
  warmUp: string[],
): Promise<void> {
  const tps = (o: Outcome) => ('tps' in o ? o.tps : NaN);
  const p99 = (o: Outcome) => ('tps' in o ? o.p99Ms : NaN);
  const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '—');
  const cell = (o: Outcome) => ('tps' in o ? `${o.tps.toFixed(0)}` : 'FAILED');
  console.log(
    `\nPostgreSQL proxy under pgbench (${settings.secondsPerCell} s per cell, scale ${settings.scale}, fsync on; this machine)\n`,
  );
  console.table(
    matrix.map((r) => ({
      workload: r.workload,
      mode: r.mode,
      clients: r.clients,
      'direct tps': cell(r.direct),
      'pgbouncer tps': cell(r.pgbouncer),
      'portcullis tps': cell(r.portcullis),
      'P/direct': ratio(tps(r.portcullis), tps(r.direct)),
      'P/pgbouncer': ratio(tps(r.portcullis), tps(r.pgbouncer)),
      'p99 ms d/b/P': [r.direct, r.pgbouncer, r.portcullis].map((o) => p99(o).toFixed(2)).join(' / '),
      'P added p99 ms': (p99(r.portcullis) - p99(r.direct)).toFixed(2),
      'proxy CPU µs/tx': r.proxyCpuMicrosPerTx?.toFixed(0) ?? '',
      'appends/tx': r.appendsPerTx?.toFixed(1) ?? '',
      'store commits/tx': r.storeCommitsPerTx?.toFixed(2) ?? '',
    })),
  );
  const failures = matrix.flatMap((r) =>
    (['direct', 'pgbouncer', 'portcullis'] as const)
      .filter((p) => 'error' in r[p])
      .map((p) => `${r.workload} ${r.mode} ${r.clients}c ${p}: ${(r[p] as { error: string }).error}`),
  );
  if (failures.length > 0) console.log(`Failed cells:\n${failures.join('\n')}\n`);
  if (warmUp.length > 0) console.log(`Failures while warming up the proxy:\n${warmUp.join('\n')}\n`);

  const target = matrix.filter((r) => r.workload === 'select-only' && r.clients === 8);
  console.log('Targets (select-only, 8 clients):');
  for (const r of target) {
    const vsDirect = tps(r.portcullis) / tps(r.direct);
    const vsBouncer = tps(r.portcullis) / tps(r.pgbouncer);
    const added = p99(r.portcullis) - p99(r.direct);
    console.log(
      `  ${r.mode}: ${(vsDirect * 100).toFixed(0)}% of direct (target ≥ 70%) ${vsDirect >= 0.7 ? 'met' : 'MISSED'}; ` +
        `${vsBouncer.toFixed(2)}× pgbouncer (target ≥ 1) ${vsBouncer >= 1 ? 'met' : 'MISSED'}; ` +
        `added p99 ${added.toFixed(2)} ms (target ≤ 2) ${added <= 2 ? 'met' : 'MISSED'}`,
    );
  }

  console.log('\nWhere the time goes: select-only, 8 clients, one thing changed at a time\n');
  console.table(
    diagnostics.map((d) => {
      const base = matrix.find(
        (r) => r.workload === 'select-only' && r.mode === d.mode && r.clients === d.clients,
      )!;
      return {
        condition: d.condition,
        mode: d.mode,
        'portcullis tps': cell(d.outcome),
        'vs durable store': ratio(tps(d.outcome), tps(base.portcullis)),
        'P/direct': ratio(tps(d.outcome), tps(base.direct)),
        'p50 / p99 ms':
          'tps' in d.outcome ? `${d.outcome.p50Ms.toFixed(2)} / ${d.outcome.p99Ms.toFixed(2)}` : '',
      };
    }),
  );

  console.log(`\n${settings.streamRows} rows streamed to psql (median of ${settings.streamRepeats})\n`);
  console.table(
    stream.map((s) => ({
      path: s.path,
      seconds: s.seconds.toFixed(2),
      'rows/s': s.rowsPerSecond.toFixed(0),
      'vs direct': `${s.vsDirect.toFixed(2)}×`,
      note: s.note ?? '',
    })),
  );

  for (const { label, tps: profiledTps, summary } of profiles) {
    console.log(
      `\nProxy CPU profile, select-only simple 8 clients, ${label} (${(summary.sampledMs / 1000).toFixed(1)} s at ${profiledTps.toFixed(0)} tps, proxy busy ${summary.busyPercent.toFixed(0)}% of one core; ${summary.file})\n`,
    );
    console.table(summary.byModule.map((m) => ({ module: m.where, 'self %': m.percent.toFixed(1) })));
    console.table(summary.topFunctions.map((f) => ({ function: f.where, 'self %': f.percent.toFixed(1) })));
    console.table(
      summary.inclusive.map((f) => ({ 'function (with callees)': f.where, 'total %': f.percent.toFixed(1) })),
    );
  }

  await mkdir(new URL('../../results/', import.meta.url), { recursive: true });
  await writeFile(
    new URL('../../results/pg-proxy.json', import.meta.url),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        ...settings,
        warmUpFailures: warmUp,
        matrix,
        diagnostics,
        stream,
        profiles,
      },
      null,
      2,
    ) + '\n',
  );
}

export const describe = (o: Outcome) =>
  'tps' in o
    ? `${o.tps.toFixed(0)} tps, p99 ${o.p99Ms.toFixed(2)} ms, ${o.failed} failed`
    : `FAILED ${o.error}`;

export const firstLines = (error: unknown) =>
  (error instanceof Error ? error.message : String(error))
    .split('\n')
    .filter(Boolean)
    .slice(0, 6)
    .join(' | ');
