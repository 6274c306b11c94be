/**
 * Ten rounds of 500 connections opened and closed (most never authenticate;
 * some run a statement): the proxy answers a real query after every round,
 * and its heap after a full GC returns to within HEAP_MARGIN_MB of the
 * baseline taken after a warm-up round. RSS is reported, and only loosely
 * bounded: the allocator keeps freed pages, so RSS need not come back.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pg from 'pg';
import { frontend } from '../protocol/index.js';
import { startPgProxy, type PgProxy } from './pg-proxy-server.js';
import { DEPLOYER, TARGET, startProxyWorld, type ProxyWorld } from '../testing/proxy-fixture.js';

const ROUNDS = 10;
const CONNECTIONS_PER_ROUND = 500;
const AUTHENTICATED_PER_ROUND = 10;
/** Opened at once: enough to overlap, few enough for a 2-core machine shared with others. */
const BATCH = 50;
const HEAP_MARGIN_MB = 8;
const RSS_MARGIN_MB = 64;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Connects and leaves in one of the ways a client that never authenticates does. */
function unauthenticated(port: number, i: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
    socket.on('connect', () => {
      switch (i % 3) {
        case 0: // gone at once
          return socket.destroy();
        case 1: // a startup message, then gone when asked for the password
          socket.write(frontend.startupMessage({ user: 'agent', database: TARGET.name }));
          return socket.once('data', () => socket.destroy());
        default: // asks for TLS, is told N, leaves
          socket.write(frontend.sslRequest());
          return socket.once('data', () => socket.end());
      }
    });
  });
}

function mb(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  // Sockets close and handlers finish over a few turns; collect until nothing more is freed.
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage();
}

describe('connection churn', () => {
  let world: ProxyWorld;
  let proxy: PgProxy;
  before(async () => {
    world = await startProxyWorld();
    // Caps above a batch: this test is about what connections leave behind, not refusals.
    proxy = await startPgProxy({
      ...world.options,
      unauthenticatedConnections: { total: 4 * BATCH, perAddress: 4 * BATCH },
    });
  });
  after(async () => {
    await proxy?.close();
    await world?.stop();
  });

  async function session(sql: string): Promise<unknown[]> {
    const c = new pg.Client({
      host: '127.0.0.1',
      port: proxy.address.port,
      user: 'agent',
      database: TARGET.name,
      password: await world.oidc.issueToken(DEPLOYER),
      ssl: false,
    });
    await c.connect();
    try {
      return (await c.query(sql)).rows;
    } finally {
      await c.end();
    }
  }

  async function round(): Promise<void> {
    const port = proxy.address.port;
    for (let start = 0; start < CONNECTIONS_PER_ROUND; start += BATCH) {
      const batch: Promise<unknown>[] = [];
      for (let i = start; i < start + BATCH; i++) {
        batch.push(
          i % (CONNECTIONS_PER_ROUND / AUTHENTICATED_PER_ROUND) === 0
            ? session('SELECT count(*)::int AS n FROM public.accounts')
            : unauthenticated(port, i),
        );
      }
      await Promise.all(batch);
    }
    // After every round a real client is served.
    assert.deepEqual(await session('SELECT 1 AS alive'), [{ alive: 1 }]);
  }

  it(`${ROUNDS} rounds of ${CONNECTIONS_PER_ROUND} connections: still serving, heap back to its baseline`, async (t) => {
    await round(); // warm-up: parser, policy, JIT and the store's first pages are not a leak
    const baseline = await settledMemory();
    const figures: string[] = [`baseline heapUsed ${mb(baseline.heapUsed)} MB, rss ${mb(baseline.rss)} MB`];
    let last = baseline;
    const started = Date.now();
    for (let r = 1; r <= ROUNDS; r++) {
      await round();
      if (r % 5 === 0 || r === ROUNDS) {
        last = await settledMemory();
        figures.push(`after round ${r}: heapUsed ${mb(last.heapUsed)} MB, rss ${mb(last.rss)} MB`);
      }
    }
    figures.push(`${ROUNDS * CONNECTIONS_PER_ROUND} connections in ${Date.now() - started} ms`);
    t.diagnostic(figures.join('; '));
    const heapGrowth = mb(last.heapUsed - baseline.heapUsed);
    const rssGrowth = mb(last.rss - baseline.rss);
    assert.ok(heapGrowth < HEAP_MARGIN_MB, `heapUsed grew by ${heapGrowth} MB: ${figures.join('; ')}`);
    assert.ok(rssGrowth < RSS_MARGIN_MB, `rss grew by ${rssGrowth} MB: ${figures.join('; ')}`);
  });
});
