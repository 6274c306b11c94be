/**
 * `portcullis serve` on a PostgreSQL store that fails as stores do: its
 * backends terminated, the server restarted, the server frozen (SIGSTOP).
 * Real servers on loopback, real node-postgres and psql clients, bounded in
 * count and time. What must hold: the gateway stays up; statements during a
 * fault are refused within the append bound and never reach the upstream,
 * not even later; statements after it succeed without a restart; every
 * refusal ends up in the trail; a client cancel during a hung append refuses
 * at once; after a SIGKILL the next start closes what the dead run held.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import {
  freePort,
  grantingPolicyBundle,
  postgresBinDir,
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

const APPEND_TIMEOUT_MS = 1000;
/** What a refusal may take beyond the append bound on a loaded two-core machine. */
const SLACK_MS = 2000;
const DENIED_UNAVAILABLE = /portcullis: denied: audit store unavailable/;

interface Outcome {
  n: number;
  kind: 'ok' | 'refused' | 'other';
  ms: number;
  error?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('portcullis serve on a failing PostgreSQL store', () => {
  let dir: TempDir;
  let upstream: PostgresServer;
  let storeDb: PostgresServer;
  let oidc: OidcProvider;
  let configFile: string;
  let proxyPort: number;
  let token: string;

  before(async () => {
    dir = await tempDir('portcullis-store-faults-');
    [upstream, storeDb] = await Promise.all([startPostgres(), startPostgres()]);
    oidc = await startOidcProvider({
      clients: [{ clientId: 'ci-loader' }, { clientId: 'auditor', groups: ['soc-readers'] }],
    });
    await direct(upstream, 'CREATE TABLE ledger (n int PRIMARY KEY)');
    const bundle = await grantingPolicyBundle(dir.path, {
      issuer: oidc.issuer,
      appIds: ['ci-loader'],
      targetLabels: [{ env: ['production'], kind: ['database'] }],
    });
    proxyPort = await freePort();
    configFile = join(dir.path, 'portcullis.yaml');
    await writeFile(
      configFile,
      serveConfigYaml({
        instance: 'gw-faults',
        apiPort: await freePort(),
        api: 'auditorGroups: [soc-readers]',
        store: `{ kind: postgres, url: "${storeDb.url()}", queryTimeoutMs: 3000 }`,
        policy: `{ bundle: ${bundle} }`,
        logLevel: 'warn',
        extra: [`audit: { appendTimeoutMs: ${APPEND_TIMEOUT_MS} }`],
        issuer: oidc,
        target: { listenPort: proxyPort, upstreamPort: upstream.port },
      }),
    );
    token = await oidc.issueToken('ci-loader');
  });

  after(async () => {
    await oidc?.stop();
    await Promise.all([upstream?.stop(), storeDb?.stop()]);
    await dir?.remove();
  });

  const client = () =>
    new pg.Client({
      host: '127.0.0.1',
      port: proxyPort,
      user: 'agent',
      database: 'prod-db',
      password: token,
      connectionTimeoutMillis: 10_000,
    });

  it(
    'terminated backends, restarts and freezes, ten of each under load: up, bounded, nothing unaudited',
    { timeout: 300_000 },
    async (t) => {
      const serve = await startServe(configFile);
      // A failed assertion must not leave the gateway holding its ports for the next test.
      t.after(() => serve.stop('SIGKILL'));
      const outcomes: Outcome[] = [];
      let next = 1;
      let running = true;
      const worker = async () => {
        let session: pg.Client | undefined;
        while (running) {
          if (!session) {
            const fresh = client();
            fresh.on('error', () => undefined);
            try {
              await fresh.connect();
              session = fresh;
            } catch {
              await fresh.end().catch(() => undefined); // refused at admission while the store is down
              await sleep(100);
              continue;
            }
          }
          const n = next++;
          const started = Date.now();
          try {
            await session.query(`INSERT INTO ledger VALUES (${n})`);
            outcomes.push({ n, kind: 'ok', ms: Date.now() - started });
          } catch (error) {
            const message = (error as Error).message;
            const refused = DENIED_UNAVAILABLE.test(message);
            outcomes.push({
              n,
              kind: refused ? 'refused' : 'other',
              ms: Date.now() - started,
              error: message,
            });
            if (!refused) {
              await session.end().catch(() => undefined);
              session = undefined;
            }
          }
          await sleep(10);
        }
        await session?.end().catch(() => undefined);
      };
      const workers = [worker(), worker(), worker(), worker()];

      /** After a fault, statements succeed again without a restart. */
      const recovered = async (fault: string) => {
        const since = outcomes.length;
        const deadline = Date.now() + 20_000;
        while (!outcomes.slice(since).some((o) => o.kind === 'ok')) {
          assert.ok(Date.now() < deadline, `no statement succeeded within 20 s after ${fault}`);
          assert.equal(serve.child.exitCode, null, `the gateway exited during ${fault}:\n${serve.output()}`);
          await sleep(50);
        }
      };

      try {
        await recovered('start');
        for (let round = 0; round < 10; round++) {
          await direct(
            storeDb,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'portcullis%'",
          );
          await recovered(`terminating the store's backends (round ${round + 1})`);
        }
        for (let round = 0; round < 10; round++) {
          await storeDb.restart();
          await recovered(`restarting the store (round ${round + 1})`);
        }
        for (let round = 0; round < 10; round++) {
          storeDb.freeze();
          await sleep(APPEND_TIMEOUT_MS * 2.5);
          storeDb.thaw();
          await recovered(`freezing the store (round ${round + 1})`);
        }
      } finally {
        running = false;
        await Promise.all(workers);
      }
      assert.equal(serve.child.exitCode, null, serve.output());
      assert.doesNotMatch(serve.output(), /Unhandled 'error' event|uncaught/i);

      const refused = outcomes.filter((o) => o.kind === 'refused');
      const ok = outcomes.filter((o) => o.kind === 'ok');
      assert.ok(refused.length > 0, 'some statements met a fault');
      const slowest = Math.max(...refused.map((o) => o.ms));
      t.diagnostic(`${ok.length} statements done, ${refused.length} refused (slowest refusal ${slowest} ms)`);
      assert.ok(slowest <= APPEND_TIMEOUT_MS + SLACK_MS, `a refusal took ${slowest} ms`);
      assert.deepEqual(
        outcomes.filter((o) => o.kind === 'other'),
        [],
        'every statement was either done or refused for the audit store',
      );

      // What the upstream executed: every success, no refusal, not even later.
      await sleep(APPEND_TIMEOUT_MS * 3);
      const executed = new Set((await direct(upstream, 'SELECT n FROM ledger')).map((r) => Number(r.n)));
      assert.deepEqual(
        refused.filter((o) => executed.has(o.n)).map((o) => o.n),
        [],
        'refused statements never reached the upstream',
      );
      assert.deepEqual(
        ok.filter((o) => !executed.has(o.n)).map((o) => o.n),
        [],
      );

      // The trail: every executed statement has its write-ahead pair and no CommandBlocked;
      // every refusal is recorded (pair + CommandBlocked) once the store is back.
      const deadline = Date.now() + 60_000;
      let trail = new Map<number, { blocked: boolean; decided: boolean }>();
      for (;;) {
        trail = await commandTrail(storeDb);
        const missing = refused.filter((o) => !trail.get(o.n)?.blocked);
        if (missing.length === 0 || Date.now() > deadline) {
          assert.deepEqual(
            missing.map((o) => o.n),
            [],
            'every refusal is on record',
          );
          break;
        }
        await sleep(250);
      }
      for (const n of executed) {
        assert.equal(trail.get(n)?.decided, true, `statement ${n} ran with its write-ahead pair`);
        assert.equal(trail.get(n)?.blocked, false, `statement ${n} ran and is not recorded as blocked`);
      }
      assert.deepEqual(await sequenceGaps(storeDb), [], 'no session stream skips a command number');

      assert.equal(await serve.stop(), 0, serve.output());
      const verify = spawnSync(
        process.execPath,
        [PORTCULLIS_BIN, 'audit', 'verify', '--config', configFile],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    },
  );

  it(
    'a client cancel during a hung write-ahead append refuses at once, and the statement never runs',
    { timeout: 120_000 },
    async () => {
      const serve = await startServe(configFile);
      try {
        storeDb.freeze();
        try {
          const psql = spawn(
            join(postgresBinDir(), 'psql'),
            [
              `host=127.0.0.1 port=${proxyPort} dbname=prod-db user=agent sslmode=disable`,
              '-Atc',
              'SELECT 1',
            ],
            { env: { ...process.env, PGPASSWORD: token } },
          );
          // The session opens on a thawed store below; here only prove admission is bounded too.
          const admitted = await new Promise<number | null>((resolve) => psql.on('close', resolve));
          assert.notEqual(admitted, 0, 'a session cannot open while the store is frozen');
        } finally {
          storeDb.thaw();
        }
        const session = client();
        await session.connect();
        try {
          const pid = (await session.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
          assert.ok(pid);
          storeDb.freeze();
          const started = Date.now();
          const insert = session.query('INSERT INTO ledger VALUES (-1)').then(
            () => 'ran',
            (error: Error) => error.message,
          );
          await sleep(200);
          // A CancelRequest on a second connection with the session's key, as psql's Ctrl-C sends it.
          const keyed = session as pg.Client & { processID: number; secretKey: number };
          await cancelRequest(proxyPort, keyed.processID, keyed.secretKey);
          const answer = await insert;
          const ms = Date.now() - started;
          assert.match(answer, DENIED_UNAVAILABLE);
          assert.ok(ms < APPEND_TIMEOUT_MS, `the cancel ended the wait at once (${ms} ms), not the timeout`);
        } finally {
          storeDb.thaw();
          await session.end().catch(() => undefined);
        }
        await sleep(APPEND_TIMEOUT_MS * 3);
        assert.deepEqual(await direct(upstream, 'SELECT n FROM ledger WHERE n = -1'), []);
      } finally {
        assert.equal(await serve.stop(), 0, serve.output());
      }
    },
  );

  it(
    'an effect-free read runs ahead of its write-ahead pair, but none of its result reaches the client until the pair is durable',
    { timeout: 120_000 },
    async () => {
      const serve = await startServe(configFile);
      const session = client();
      session.on('error', () => undefined);
      try {
        await session.connect();
        await direct(upstream, 'INSERT INTO ledger VALUES (-20), (-21) ON CONFLICT DO NOTHING');
        // Durable store: the result arrives (simple and extended protocol).
        const simpleText = 'SELECT n AS run_ahead_simple FROM ledger WHERE n = -20';
        const extendedText = 'SELECT n AS run_ahead_extended FROM ledger WHERE n = $1';
        assert.deepEqual((await session.query(simpleText)).rows, [{ run_ahead_simple: -20 }]);
        assert.deepEqual((await session.query(extendedText, [-21])).rows, [{ run_ahead_extended: -21 }]);

        // Frozen store: each read runs on the upstream, and the client gets the refusal, not a row.
        storeDb.freeze();
        const refusals: string[] = [];
        let rowsSeen = 0;
        try {
          for (const [text, values] of [
            [simpleText.replace('-20', '-21'), undefined],
            [extendedText, [-20]],
          ] as const) {
            // A Query object reports each row as it arrives, before the command ends.
            const query = new pg.Query(text, values ? [...values] : undefined);
            refusals.push(
              await new Promise<string>((resolve) => {
                query.on('row', () => (rowsSeen += 1));
                query.on('end', () => resolve('delivered'));
                query.on('error', (error: Error) => resolve(error.message));
                session.query(query);
              }),
            );
          }
          // The upstream did run both (its backend's last query is the second one).
          const ran = await direct(
            upstream,
            "SELECT query FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query LIKE '%run_ahead_extended%'",
          );
          assert.equal(ran.length, 1, 'the read was forwarded before its pair was durable');
        } finally {
          storeDb.thaw();
        }
        assert.equal(rowsSeen, 0, 'no row of a read whose pair is not durable reached the client');
        assert.equal(refusals.length, 2);
        for (const refusal of refusals) assert.match(refusal, DENIED_UNAVAILABLE);

        // The session goes on: once the store is back, both protocols are answered again.
        const answered = async (run: () => Promise<pg.QueryResult>) => {
          for (const deadline = Date.now() + 20_000; ; await sleep(100)) {
            try {
              return (await run()).rows;
            } catch (error) {
              if (!DENIED_UNAVAILABLE.test((error as Error).message) || Date.now() > deadline) throw error;
            }
          }
        };
        assert.deepEqual(await answered(() => session.query(simpleText)), [{ run_ahead_simple: -20 }]);
        assert.deepEqual(await answered(() => session.query(extendedText, [-21])), [
          { run_ahead_extended: -21 },
        ]);

        // The trail, once the store took it: the refused reads have their pair, were forwarded, then blocked.
        const deadline = Date.now() + 30_000;
        for (;;) {
          const rows = await direct(
            storeDb,
            `SELECT r.data->>'text' AS text, array_agg(e.event_type ORDER BY e.stream_revision) AS events
               FROM portcullis_events r
               JOIN portcullis_events e ON e.stream_name = r.stream_name AND e.data->'sequence' = r.data->'sequence'
              WHERE r.event_type = 'CommandReceived' AND r.data->>'text' LIKE '%run_ahead_%'
              GROUP BY r.stream_name, r.data->'sequence', r.data->>'text'`,
          );
          const blocked = rows.filter((r) => (r.events as string[]).includes('CommandBlocked'));
          const refusedHere = refusals.length + (rows.length - 6); // refusals while the store came back
          if (blocked.length === refusedHere || Date.now() > deadline) {
            assert.ok(rows.length >= 6, JSON.stringify(rows));
            assert.equal(blocked.length, refusedHere, JSON.stringify(rows));
            for (const row of blocked) {
              const events = row.events as string[];
              assert.deepEqual(events.slice(0, 3), ['CommandReceived', 'CommandDecided', 'CommandForwarded']);
              assert.ok(events.indexOf('CommandBlocked') > 2, JSON.stringify(events));
            }
            break;
          }
          await sleep(250);
        }
      } finally {
        await session.end().catch(() => undefined);
        assert.equal(await serve.stop(), 0, serve.output());
      }
    },
  );

  it(
    'after SIGKILL, the next start closes the dead run’s sessions and marks its in-flight commands',
    { timeout: 120_000 },
    async () => {
      const killed = await startServe(configFile);
      const session = client();
      session.on('error', () => undefined);
      await session.connect();
      await session.query('SELECT 1');
      const inFlight = session.query('SELECT pg_sleep(30)').catch(() => undefined);
      // Wait until the sleep is forwarded and running upstream.
      const deadline = Date.now() + 10_000;
      while (
        (await direct(upstream, "SELECT 1 FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)'"))
          .length === 0
      ) {
        assert.ok(Date.now() < deadline, 'the statement reached the upstream');
        await sleep(50);
      }
      await sleep(200); // CommandForwarded rides the next flush (FLUSH_AFTER_MS)
      await killed.stop('SIGKILL');
      await inFlight;
      await session.end().catch(() => undefined);
      await direct(
        upstream,
        "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)'",
      );

      const restarted = await startServe(configFile);
      try {
        const rows = await direct(
          storeDb,
          `SELECT e.stream_name, e.data FROM portcullis_events e
          WHERE e.event_type = 'SessionClosed' AND e.data->>'reason' = 'gateway_restart'`,
        );
        assert.ok(rows.length >= 1, 'the dead run’s session is closed');
        const unknown = await direct(
          storeDb,
          `SELECT data FROM portcullis_events WHERE event_type = 'CommandOutcomeUnknown' AND stream_name = $1`,
          [rows.at(-1)!.stream_name],
        );
        assert.deepEqual(
          unknown.map((r) => ({
            sequence: r.data.sequence,
            forwarded: r.data.forwarded,
            reason: r.data.reason,
          })),
          [{ sequence: 2, forwarded: true, reason: 'gateway_restart' }],
        );
        // And the API no longer lists it as open.
        const api = /serving (http:\/\/[^ ]+)/.exec(restarted.output())![1]!;
        const auditor = { authorization: `Bearer ${await oidc.issueToken('auditor')}` };
        const page = (await (
          await fetch(`${api}/api/sessions?status=open`, { headers: auditor })
        ).json()) as {
          items: unknown[];
        };
        assert.equal(page.items.length, 0);
      } finally {
        assert.equal(await restarted.stop(), 0, restarted.output());
      }
    },
  );
});

/** A row as node-postgres returns it; the tests read known columns. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows of ad hoc queries
type Row = Record<string, any>;

async function direct(server: PostgresServer, sql: string, params: unknown[] = []): Promise<Row[]> {
  const c = new pg.Client({ connectionString: server.url() });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/** Each audited INSERT of the load, by its number: decided (the pair is there) and blocked or not. */
async function commandTrail(
  storeDb: PostgresServer,
): Promise<Map<number, { blocked: boolean; decided: boolean }>> {
  const rows = await direct(
    storeDb,
    `SELECT r.data->>'text' AS text,
            EXISTS (SELECT 1 FROM portcullis_events d WHERE d.event_type = 'CommandDecided'
                       AND d.stream_name = r.stream_name AND d.data->'sequence' = r.data->'sequence') AS decided,
            EXISTS (SELECT 1 FROM portcullis_events b WHERE b.event_type = 'CommandBlocked'
                       AND b.stream_name = r.stream_name AND b.data->'sequence' = r.data->'sequence') AS blocked
       FROM portcullis_events r
      WHERE r.event_type = 'CommandReceived' AND r.data->>'text' LIKE 'INSERT INTO ledger%'`,
  );
  const trail = new Map<number, { blocked: boolean; decided: boolean }>();
  for (const row of rows) {
    const n = Number(/VALUES \((-?\d+)\)/.exec(row.text as string)?.[1]);
    trail.set(n, { blocked: row.blocked as boolean, decided: row.decided as boolean });
  }
  return trail;
}

/** Session streams whose command numbers are not 1..max (a gap no CommandsUnrecorded explains). */
async function sequenceGaps(storeDb: PostgresServer): Promise<string[]> {
  const rows = await direct(
    storeDb,
    `SELECT stream_name, count(DISTINCT (data->>'sequence')::int) AS n, max((data->>'sequence')::int) AS top
       FROM portcullis_events WHERE event_type = 'CommandReceived'
         AND stream_name NOT IN (SELECT stream_name FROM portcullis_events WHERE event_type = 'CommandsUnrecorded')
      GROUP BY stream_name HAVING count(DISTINCT (data->>'sequence')::int) <> max((data->>'sequence')::int)`,
  );
  return rows.map((r) => `${r.stream_name}: ${r.n} of ${r.top}`);
}

/** A PostgreSQL CancelRequest (length 16, code 80877102, pid, key) on a fresh connection. */
async function cancelRequest(port: number, processId: number, secretKey: number): Promise<void> {
  const { connect } = await import('node:net');
  await new Promise<void>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      const frame = Buffer.alloc(16);
      frame.writeInt32BE(16, 0);
      frame.writeInt32BE(80877102, 4);
      frame.writeInt32BE(processId, 8);
      frame.writeInt32BE(secretKey, 12);
      socket.end(frame);
    });
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}
