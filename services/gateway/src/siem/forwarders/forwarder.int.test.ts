import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gatewayStream, toNewEvent } from '@portcullis/events';
import { openSqlEventStore, type EventStore } from '@portcullis/eventstore';
import { tempDir, type TempDir } from '@portcullis/test-support';
import type { HttpForwarderConfig } from '../../config/siem-config.js';
import { createLogger } from '../../logging/logger.js';
import { Forwarder, forwarderCheckpointId } from './forwarder.js';
import { HttpTransport } from './http-transport.js';

/**
 * One forwarder on a real embedded store, delivering to a real HTTP peer (a
 * Node server taking JSON arrays): where a new forwarder starts, and that it
 * holds one batch, not the backlog, while its peer refuses.
 */
describe('Forwarder', () => {
  let dir: TempDir;
  let store: EventStore;
  let server: Server;
  const peer = { down: false, batches: [] as { id: string }[][], refused: 0 };
  let url: string;

  async function appendEvents(count: number): Promise<string[]> {
    const events = Array.from({ length: count }, () =>
      toNewEvent(
        { type: 'SessionsRecovered', data: { sessions: 0, commandsUnknown: 0 } },
        { correlationId: 'gw', actor: 'system', gatewayInstance: 'gw' },
      ),
    );
    await store.append(gatewayStream(`gw-${randomUUID()}`), events, 'no_stream');
    return events.map((e) => e.id);
  }

  const config = (name: string, extra: Partial<HttpForwarderConfig> = {}): HttpForwarderConfig => ({
    name,
    type: 'http',
    format: 'json',
    batchSize: 50,
    from: 'start',
    retry: { initialDelayMs: 20, maxDelayMs: 100 },
    degradedAfterSeconds: 60,
    url,
    style: 'json',
    token: undefined,
    index: undefined,
    sourcetype: 'portcullis:json',
    caFile: undefined,
    timeoutMs: 5_000,
    ...extra,
  });
  const forwarder = (c: HttpForwarderConfig) =>
    new Forwarder(c, store, new HttpTransport(c, 'gw'), createLogger('silent', 'test'));
  const received = () => new Set(peer.batches.flat().map((e) => e.id));

  async function until(what: string, condition: () => boolean): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!condition()) {
      if (Date.now() > deadline) assert.fail(`${what}: not within 20 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  before(async () => {
    dir = await tempDir('portcullis-forwarder-');
    store = (await openSqlEventStore({ kind: 'pglite', dataDir: join(dir.path, 'data') })).store;
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        if (peer.down) {
          peer.refused += 1;
          res.writeHead(503).end();
          return;
        }
        peer.batches.push(JSON.parse(body) as { id: string }[]);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  });
  after(async () => {
    server?.close();
    await store?.close();
    await dir?.remove();
  });

  it('from: end fixes the end in its checkpoint at once: a restart before any delivery skips nothing', async () => {
    const old = await appendEvents(3);
    const first = forwarder(config('tail-end', { from: 'end' }));
    await first.start();
    assert.ok(await store.checkpoints.load(forwarderCheckpointId('tail-end')), 'checkpoint stored at start');
    await first.stop();
    const later = await appendEvents(4);
    const second = forwarder(config('tail-end', { from: 'end' }));
    await second.start();
    await until('the events appended between the runs', () => later.every((id) => received().has(id)));
    await second.stop();
    assert.ok(
      old.every((id) => !received().has(id)),
      'nothing from before the first start',
    );
  });

  it('while its peer refuses, holds one batch and lags; then delivers everything, in order', async () => {
    peer.down = true;
    peer.batches = [];
    const backlog = await appendEvents(400);
    const f = forwarder(config('lagging'));
    await f.start();
    try {
      // Counted by the forwarder: the peer's count can run ahead of the answers it sent.
      await until('a few refused attempts', () => f.status().errors >= 3);
      const status = f.status();
      assert.equal(status.state, 'failing');
      assert.equal(status.forwarded, 0);
      assert.ok(status.errors >= 3);
      assert.equal(status.position, undefined, 'nothing committed');
      peer.down = false;
      await until('the backlog delivered', () => backlog.every((id) => received().has(id)));
      assert.ok(
        peer.batches.every((b) => b.length <= 50),
        'never more than batchSize events in hand',
      );
      const order = peer.batches.flat().map((e) => e.id);
      const positions = backlog.map((id) => order.indexOf(id));
      assert.deepEqual(
        positions,
        [...positions].sort((a, b) => a - b),
        'in store order',
      );
      assert.equal(f.status().state, 'live');
    } finally {
      await f.stop();
    }
  });
});
