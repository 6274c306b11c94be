/**
 * `recordResultRows`: the first N rows of each statement go into
 * CommandCompleted as the client received them, masked; none by default.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { RecordedEvent } from '@portcullis/events';
import { startPgProxy, type PgProxy } from '../listener/pg-proxy-server.js';
import {
  DEPLOYER,
  SENSITIVE_ROWS,
  TARGET,
  startProxyWorld,
  type ProxyWorld,
} from '../testing/proxy-fixture.js';

describe('recording result rows', () => {
  let world: ProxyWorld;
  let recording: PgProxy;
  before(async () => {
    world = await startProxyWorld();
    recording = await startPgProxy({ ...world.options, recordResultRows: 2 });
  });
  after(async () => {
    await recording?.close();
    await world?.stop();
  });

  async function run(proxy: PgProxy, queries: (c: pg.Client) => Promise<unknown>): Promise<RecordedEvent[]> {
    const c = new pg.Client({
      host: '127.0.0.1',
      port: proxy.address.port,
      user: 'agent',
      database: TARGET.name,
      password: await world.oidc.issueToken(DEPLOYER),
      ssl: false,
    });
    const before = new Set((await world.sessions()).keys());
    await c.connect();
    try {
      await queries(c);
    } finally {
      await c.end();
    }
    const deadline = Date.now() + 10_000;
    for (;;) {
      const fresh = [...(await world.sessions()).entries()].filter(([id]) => !before.has(id));
      const closed = fresh.find(([, events]) => events.at(-1)?.type === 'SessionClosed');
      if (closed) return closed[1];
      if (Date.now() > deadline) assert.fail('the session did not close');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const completions = (events: RecordedEvent[]) =>
    events
      .filter((e) => e.type === 'CommandCompleted')
      .map((e) => e.data as { resultRows?: (string | null)[][] });

  it('records the first N rows per statement, masked, simple and extended', async () => {
    const events = await run(recording, async (c) => {
      await c.query('SELECT id, email, ssn, note FROM public.users ORDER BY id');
      await c.query('SELECT owner FROM public.accounts WHERE id > $1 ORDER BY id', [0]);
      await c.query('UPDATE public.accounts SET owner = owner WHERE id = 1');
    });
    const [users, accounts, update] = completions(events);
    assert.equal(users!.resultRows!.length, 2);
    const [first] = users!.resultRows!;
    assert.equal(first![0], '1');
    assert.match(first![1]!, /^a\*+@example\.com$/);
    assert.equal(first![2], '****');
    assert.equal(first![3], 'paid with **** today');
    assert.deepEqual(accounts!.resultRows, [['alice'], ['bob']]);
    assert.equal(update!.resultRows, undefined, 'no rows, nothing recorded');
    const stored = JSON.stringify(events.map((e) => e.data));
    for (const row of SENSITIVE_ROWS) {
      assert.ok(!stored.includes(row.ssn) && !stored.includes(row.email), 'no raw value in any event');
    }
  });

  it('records nothing by default', async () => {
    const events = await run(world.proxy, (c) => c.query('SELECT owner FROM public.accounts'));
    assert.deepEqual(
      completions(events).map((c) => c.resultRows),
      [undefined],
    );
  });
});
