/**
 * Time from a grant to the paused statement reaching the upstream, on one
 * gateway instance and across two (issue 6: ≤ 100 ms on one, ≤ 500 ms
 * across two). Two real `portcullis serve` processes share one PostgreSQL
 * event store; the agent (node-postgres) sends a `CREATE TABLE … AS SELECT
 * clock_timestamp()` that policy sends for review; the approver grants
 * through instance A's API (one instance) or B's (across two). The latency
 * is the upstream's own clock_timestamp() at execution minus the moment
 * just before the grant request was sent (one host, one clock).
 *
 * The peer in the same run: the same statement sent straight to the
 * upstream (what running it costs without any approval).
 *
 *   node bench/dist/approvals/grant-latency.bench.js [rounds=40]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import {
  freePort,
  grantingPolicyBundle,
  startOidcProvider,
  startPostgres,
  serveConfigYaml,
  startServe,
  tempDir,
  type ServeProcess,
} from '@portcullis/test-support';

const RESULTS = fileURLToPath(new URL('../../results/approvals.json', import.meta.url));
const ROUNDS = Number(process.argv[2] ?? 40);

interface Instance {
  readonly api: string;
  readonly proxyPort: number;
  readonly serve: ServeProcess;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function main(): Promise<void> {
  const dir = await tempDir('portcullis-bench-approvals-');
  const postgres = await startPostgres({ settings: { fsync: 'on', synchronous_commit: 'on' } });
  const oidc = await startOidcProvider({
    clients: [{ clientId: 'agent' }, { clientId: 'approver', groups: ['dba-oncall'] }],
  });
  const instances: Instance[] = [];
  try {
    const admin = new pg.Client({ connectionString: postgres.url() });
    await admin.connect();
    await admin.query('CREATE DATABASE portcullis');
    const bundle = await grantingPolicyBundle(dir.path, {
      issuer: oidc.issuer,
      appIds: ['agent'],
      targetLabels: [{ env: ['production'], kind: ['database'] }],
    });
    for (const name of ['a', 'b']) {
      const [apiPort, proxyPort] = [await freePort(), await freePort()];
      const file = join(dir.path, `${name}.yaml`);
      await writeFile(
        file,
        serveConfigYaml({
          instance: `bench-${name}`,
          apiPort,
          store: `{ kind: postgres, url: "${postgres.url('portcullis')}" }`,
          policy: `{ bundle: ${bundle} }`,
          logLevel: 'warn',
          issuer: oidc,
          target: { listenPort: proxyPort, upstreamPort: postgres.port },
        }),
      );
      instances.push({ api: `http://127.0.0.1:${apiPort}`, proxyPort, serve: await startServe(file) });
    }
    const [a, b] = instances as [Instance, Instance];
    const approverToken = await oidc.issueToken('approver');
    const agent = new pg.Client({
      host: '127.0.0.1',
      port: a.proxyPort,
      user: 'agent',
      database: 'prod-db',
      password: await oidc.issueToken('agent'),
    });
    await agent.connect();

    let n = 0;
    const direct: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const table = `bench_direct_${n++}`;
      const t0 = Date.now();
      await admin.query(`CREATE TABLE ${table} AS SELECT clock_timestamp() AS at`);
      direct.push((await executedAt(admin, table)) - t0);
    }
    const measure = async (granter: Instance): Promise<number[]> => {
      const latencies: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const table = `bench_granted_${n++}`;
        const statement = `CREATE TABLE ${table} AS SELECT clock_timestamp() AS at`;
        const running = agent.query(statement);
        const approvalId = await pendingApproval(granter, approverToken, statement);
        const t0 = Date.now();
        const response = await fetch(`${granter.api}/api/approvals/${approvalId}/grant`, {
          method: 'POST',
          headers: { authorization: `Bearer ${approverToken}` },
        });
        if (!response.ok) throw new Error(`grant answered ${response.status}: ${await response.text()}`);
        await running;
        latencies.push((await executedAt(admin, table)) - t0);
      }
      return latencies;
    };
    const one = await measure(a);
    const across = await measure(b);
    await agent.end();
    await admin.end();

    const rows = [
      { path: 'statement run directly (peer: no approval)', samples: direct, target: null },
      { path: 'grant → upstream, one instance (grant via A, paused on A)', samples: one, target: 100 },
      { path: 'grant → upstream, across two (grant via B, paused on A)', samples: across, target: 500 },
    ].map((r) => {
      const sorted = [...r.samples].sort((x, y) => x - y);
      return {
        path: r.path,
        rounds: sorted.length,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        maxMs: sorted.at(-1)!,
        targetMs: r.target,
        met: r.target === null ? null : percentile(sorted, 99) <= r.target,
      };
    });
    console.log(`\nApproval release latency (${ROUNDS} rounds each; PostgreSQL store, fsync on)\n`);
    console.log('| path | p50 ms | p99 ms | max ms | target (p99) |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const r of rows) {
      const target = r.targetMs === null ? '' : `≤ ${r.targetMs} ms: ${r.met ? 'met' : '**missed**'}`;
      console.log(`| ${r.path} | ${r.p50Ms} | ${r.p99Ms} | ${r.maxMs} | ${target} |`);
    }
    const directP50 = rows[0]!.p50Ms || 1;
    console.log(
      `\nratios to the direct statement (p50): one instance ${(rows[1]!.p50Ms / directP50).toFixed(1)}×, ` +
        `across two ${(rows[2]!.p50Ms / directP50).toFixed(1)}×`,
    );
    await mkdir(join(RESULTS, '..'), { recursive: true });
    await writeFile(RESULTS, JSON.stringify({ rounds: ROUNDS, rows }, null, 2) + '\n');
  } finally {
    await Promise.all(instances.map((instance) => instance.serve.stop()));
    await oidc.stop();
    await postgres.stop();
    await dir.remove();
  }
}

/** Polls the granting instance's read model until the request shows up (not part of the measured time). */
async function pendingApproval(instance: Instance, token: string, text: string): Promise<string> {
  for (let i = 0; i < 1000; i++) {
    const response = await fetch(`${instance.api}/api/approvals?status=pending&limit=10`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const page = (await response.json()) as { items: { approvalId: string; text: string }[] };
    const found = page.items.find((a) => a.text === text);
    if (found) return found.approvalId;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no pending approval for ${text}`);
}

async function executedAt(client: pg.Client, table: string): Promise<number> {
  const { rows } = await client.query<{ at: Date }>(`SELECT at FROM ${table}`);
  return rows[0]!.at.getTime();
}

await main();
