/**
 * kill -9 under load: numbered writes and reads from three node-postgres
 * clients through `portcullis serve`, the gateway SIGKILLed at random moments
 * ten times and started again, on the PostgreSQL store and on the embedded
 * PGlite store (which must reopen after every kill). Then, against what
 * really happened:
 * - every row the upstream holds (an executed write) has its CommandReceived
 *   and an allowing CommandDecided in the store: zero executed-but-unaudited;
 * - every read whose result a client received has them too: zero
 *   results-delivered-but-unaudited;
 * - `portcullis audit verify` finds every hash chain intact.
 * Bounded: ten kills per store, at most 1.5 s of load between them; the
 * random schedule comes from a printed seed (PORTCULLIS_KILL_SEED replays it).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { openSqlEventStore, type EventStoreConfig } from '@portcullis/eventstore';
import type { CommandDecidedData, CommandReceivedData } from '@portcullis/events';
import {
  freePort,
  grantingPolicyBundle,
  startOidcProvider,
  startPostgres,
  serveConfigYaml,
  startServe,
  tempDir,
  PORTCULLIS_BIN,
  type OidcProvider,
  type PostgresServer,
  type TempDir,
} from '@portcullis/test-support';

const KILLS = 10;
const CLIENTS = 3;
const SEED = Number(process.env.PORTCULLIS_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** A small seeded PRNG (mulberry32): the kill schedule is random but replayable. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('kill -9 of the gateway under load: nothing executed or delivered unaudited', () => {
  let dir: TempDir;
  let upstream: PostgresServer;
  let storeDb: PostgresServer;
  let oidc: OidcProvider;
  let bundle: string;
  let token: string;

  before(async () => {
    console.log(`kill -9 seed: ${SEED}`);
    dir = await tempDir('portcullis-kill-nine-');
    [upstream, storeDb, oidc] = await Promise.all([
      startPostgres(),
      startPostgres(),
      startOidcProvider({ clients: [{ clientId: 'ci-loader' }] }),
    ]);
    bundle = await grantingPolicyBundle(dir.path, {
      issuer: oidc.issuer,
      appIds: ['ci-loader'],
      targetLabels: [{ env: ['production'], kind: ['database'] }],
    });
    token = await oidc.issueToken('ci-loader');
  });

  after(async () => {
    await oidc?.stop();
    await Promise.all([upstream?.stop(), storeDb?.stop()]);
    await dir?.remove();
  });

  for (const kind of ['postgres', 'pglite'] as const) {
    it(`${kind} store: ${KILLS} kills under load`, { timeout: 240_000 }, async (t) => {
      const rng = random(SEED + (kind === 'pglite' ? 1 : 0));
      const table = `ledger_${kind}`;
      await query(upstream.url(), `CREATE TABLE ${table} (n int PRIMARY KEY)`);
      const store: EventStoreConfig =
        kind === 'postgres'
          ? { kind, url: storeDb.url('kill_nine') }
          : { kind, dataDir: join(dir.path, 'pglite-store') };
      if (kind === 'postgres') await query(storeDb.url(), 'CREATE DATABASE kill_nine');
      const storeConfig =
        store.kind === 'postgres'
          ? `{ kind: postgres, url: "${store.url}" }`
          : `{ kind: pglite, dataDir: "${store.dataDir}" }`;
      const proxyPort = await freePort();
      const configFile = join(dir.path, `${kind}.yaml`);
      await writeFile(
        configFile,
        serveConfigYaml({
          instance: `gw-kill-${kind}`,
          apiPort: await freePort(),
          store: storeConfig,
          policy: `{ bundle: ${bundle} }`,
          logLevel: 'error',
          issuer: oidc,
          target: { listenPort: proxyPort, upstreamPort: upstream.port },
        }),
      );

      let serve = await startServe(configFile);
      t.after(() => serve.stop('SIGKILL'));
      let running = true;
      let nextWrite = 1;
      let nextRead = 1;
      const delivered = new Set<string>(); // texts of reads whose result a client received
      let acknowledged = 0;
      const worker = async () => {
        let session: pg.Client | undefined;
        while (running) {
          if (!session) {
            const fresh = new pg.Client({
              host: '127.0.0.1',
              port: proxyPort,
              user: 'agent',
              database: 'prod-db',
              password: token,
              connectionTimeoutMillis: 5_000,
            });
            fresh.on('error', () => undefined);
            try {
              await fresh.connect();
              session = fresh;
            } catch {
              await fresh.end().catch(() => undefined);
              await sleep(50);
              continue;
            }
          }
          try {
            if (rng() < 0.6) {
              await session.query(`INSERT INTO ${table} VALUES (${nextWrite++})`);
              acknowledged += 1;
            } else {
              const id = nextRead++;
              const text = `SELECT ${id} AS read_id, count(*) AS rows FROM ${table}`;
              const result = await session.query(text);
              if (Number(result.rows[0]?.read_id) === id) delivered.add(text);
            }
          } catch {
            await session.end().catch(() => undefined); // the gateway died under it, or refused
            session = undefined;
          }
        }
        await session?.end().catch(() => undefined);
      };
      const workers = Array.from({ length: CLIENTS }, () => worker());

      for (let kill = 1; kill <= KILLS; kill++) {
        await sleep(200 + rng() * 1_300);
        await serve.stop('SIGKILL');
        serve = await startServe(configFile); // PGlite reopens the files a killed process left
      }
      await sleep(500);
      running = false;
      await Promise.all(workers);
      assert.equal(await serve.stop('SIGTERM'), 0, serve.output());

      const executed = (await query(upstream.url(), `SELECT n FROM ${table} ORDER BY n`)).map((r) =>
        Number(r.n),
      );
      assert.ok(
        executed.length >= 10,
        `only ${executed.length} writes executed: too little load to mean anything`,
      );
      assert.ok(acknowledged <= executed.length);
      assert.ok(delivered.size >= 5, `only ${delivered.size} reads delivered`);

      const opened = await openSqlEventStore(store);
      let audited: Set<string>;
      try {
        const events = await opened.store.readAll({ filter: { streamPrefixes: ['session-'] } });
        const received = new Map<string, string>();
        for (const e of events) {
          if (e.type === 'CommandReceived') {
            const data = e.data as CommandReceivedData;
            received.set(`${e.streamName}#${data.sequence}`, data.text);
          }
        }
        audited = new Set<string>();
        for (const e of events) {
          if (e.type !== 'CommandDecided') continue;
          const data = e.data as CommandDecidedData;
          const text = received.get(`${e.streamName}#${data.sequence}`);
          if (text !== undefined && data.outcome === 'allow') audited.add(text);
        }
      } finally {
        await opened.store.close();
      }
      const unauditedWrites = executed.filter((n) => !audited.has(`INSERT INTO ${table} VALUES (${n})`));
      assert.deepEqual(unauditedWrites, [], 'writes executed on the upstream without their audited decision');
      const unauditedReads = [...delivered].filter((text) => !audited.has(text));
      assert.deepEqual(unauditedReads, [], 'results delivered without their audited decision');

      const verify = spawnSync(
        process.execPath,
        [PORTCULLIS_BIN, 'audit', 'verify', '--config', configFile],
        {
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      assert.equal(verify.status, 0, `${verify.stdout}${verify.stderr}`);
      console.log(
        `${kind}: ${KILLS} kills; ${executed.length} writes executed (${acknowledged} acknowledged), ` +
          `${delivered.size} reads delivered; all audited; chains verified`,
      );
    });
  }
});

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}
