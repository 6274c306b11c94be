/**
 * decideCommand for the shipped policy: in-process wasm against OPA's own
 * server (`opa run --server`, loopback, same Rego, same inputs) and against
 * `opa eval`, in one run. Prints a table with ratios and writes
 * bench/results/policy.json. Also measures how long decisions hold the event
 * loop, which decides whether the engine needs worker threads.
 *
 *   npx tsc -b bench && node bench/dist/policy/decide.bench.js [--quick]
 */
import { spawn, execFile } from 'node:child_process';
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { findOpaBinary, PolicyEngine, type CommandInput } from '@portcullis/policy';
import { freePort } from '@portcullis/test-support';

const root = new URL('../../../', import.meta.url).pathname;
const quick = process.argv.includes('--quick');
const IN_PROCESS_N = quick ? 2_000 : 20_000;
const SERVER_N = quick ? 300 : 3_000;
const EVAL_N = quick ? 5 : 20;

interface Stats {
  n: number;
  p50_us: number;
  p99_us: number;
  mean_us: number;
  per_second: number;
}

async function fixtureInput(name: string): Promise<CommandInput> {
  const raw = await readFile(`${root}policies-rego/fixtures/command/${name}.json`, 'utf8');
  return (JSON.parse(raw) as { input: CommandInput }).input;
}

function stats(samplesNs: number[]): Stats {
  const sorted = [...samplesNs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! / 1000;
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length / 1000;
  return { n: sorted.length, p50_us: at(0.5), p99_us: at(0.99), mean_us: mean, per_second: 1e6 / mean };
}

function inProcess(engine: PolicyEngine, input: CommandInput): Stats {
  for (let i = 0; i < 500; i++) engine.decideCommand(input);
  const samples: number[] = [];
  for (let i = 0; i < IN_PROCESS_N; i++) {
    const start = process.hrtime.bigint();
    const d = engine.decideCommand(input);
    samples.push(Number(process.hrtime.bigint() - start));
    if (d.error) throw new Error(`bench input failed closed: ${d.error.message}`);
  }
  return stats(samples);
}

async function opaServer(port: number, input: CommandInput): Promise<Stats> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const body = JSON.stringify({ input });
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, method: 'POST', path: '/v1/data/portcullis/command/decision', agent },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`opa ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.setHeader('content-type', 'application/json');
      req.end(body);
    });
  for (let i = 0; i < 100; i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < SERVER_N; i++) {
    const start = process.hrtime.bigint();
    await once();
    samples.push(Number(process.hrtime.bigint() - start));
  }
  agent.destroy();
  return stats(samples);
}

async function opaEval(opa: string, inputFile: string): Promise<Stats> {
  const run = promisify(execFile);
  const samples: number[] = [];
  for (let i = 0; i < EVAL_N; i++) {
    const start = process.hrtime.bigint();
    await run(opa, [
      'eval',
      '-f',
      'json',
      '--ignore',
      '*_test.rego',
      '-d',
      `${root}policies-rego/src`,
      '-i',
      inputFile,
      'data.portcullis.command.decision',
    ]);
    samples.push(Number(process.hrtime.bigint() - start));
  }
  return stats(samples);
}

/** Decisions as a proxy makes them, one per event-loop turn; how late do timers fire? */
async function eventLoopDelay(engine: PolicyEngine, input: CommandInput) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const started = Date.now();
  let decisions = 0;
  while (Date.now() - started < (quick ? 300 : 2000)) {
    engine.decideCommand(input);
    decisions++;
    await nextTurn();
  }
  histogram.disable();
  return {
    decisions,
    loop_delay_p50_ms: histogram.percentile(50) / 1e6,
    loop_delay_p99_ms: histogram.percentile(99) / 1e6,
    loop_delay_max_ms: histogram.max / 1e6,
  };
}

async function startOpaServer(opa: string, port: number) {
  const child = spawn(
    opa,
    [
      'run',
      '--server',
      '--addr',
      `127.0.0.1:${port}`,
      '--log-level',
      'error',
      '--ignore',
      '*_test.rego',
      `${root}policies-rego/src`,
    ],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      request({ host: '127.0.0.1', port, path: '/health' }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      })
        .on('error', () => resolve(false))
        .end();
    });
    if (ok) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('opa run --server did not become healthy');
}

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

async function main() {
  const opa = findOpaBinary();
  const engine = await PolicyEngine.load(`${root}policies-rego/dist/bundle.tar.gz`);
  const cases = {
    single: await fixtureInput('select-masks-sensitive-columns'),
    multi: await fixtureInput('multi-statement-strictest-wins'),
    ssh: await fixtureInput('ssh-sudo-restart-needs-review'),
  };
  const port = await freePort();
  const server = await startOpaServer(opa, port);
  const results: Record<string, unknown> = {};
  try {
    for (const [name, input] of Object.entries(cases)) {
      const inputFile = `/tmp/portcullis-bench-${process.pid}-${name}.json`;
      await writeFile(inputFile, JSON.stringify(input));
      const wasm = inProcess(engine, input);
      const srv = await opaServer(port, input);
      const evl = await opaEval(opa, inputFile);
      results[name] = {
        wasm_in_process: wasm,
        opa_server: srv,
        opa_eval: evl,
        ratio_server_over_wasm_p50: srv.p50_us / wasm.p50_us,
        ratio_eval_over_wasm_p50: evl.p50_us / wasm.p50_us,
      };
    }
  } finally {
    server.kill();
  }
  const loop = await eventLoopDelay(engine, cases.multi);

  console.log('decideCommand, shipped policy (µs per decision)');
  console.log(
    'case    | wasm p50 | wasm p99 | wasm/s  | server p50 | server p99 | eval p50 | server÷wasm | eval÷wasm',
  );
  for (const [name, r] of Object.entries(results) as [
    string,
    Record<string, Stats> & Record<string, number>,
  ][]) {
    const w = r.wasm_in_process!;
    const s = r.opa_server!;
    const e = r.opa_eval!;
    console.log(
      `${name.padEnd(7)} | ${fmt(w.p50_us).padStart(8)} | ${fmt(w.p99_us).padStart(8)} | ${fmt(w.per_second).padStart(7)} | ${fmt(s.p50_us).padStart(10)} | ${fmt(s.p99_us).padStart(10)} | ${fmt(e.p50_us).padStart(8)} | ${fmt(r.ratio_server_over_wasm_p50!).padStart(10)}× | ${fmt(r.ratio_eval_over_wasm_p50!).padStart(8)}×`,
    );
  }
  console.log(
    `event loop while deciding one command per turn: ${loop.decisions} decisions, delay p50 ${loop.loop_delay_p50_ms.toFixed(2)} ms, p99 ${loop.loop_delay_p99_ms.toFixed(2)} ms, max ${loop.loop_delay_max_ms.toFixed(2)} ms`,
  );
  await mkdir(`${root}bench/results`, { recursive: true });
  await writeFile(
    `${root}bench/results/policy.json`,
    `${JSON.stringify({ bench: 'policy/decide', node: process.version, quick, cases: results, event_loop: loop, bundle_revision: engine.revision, at: new Date().toISOString() }, null, 2)}\n`,
  );
}

await main();
