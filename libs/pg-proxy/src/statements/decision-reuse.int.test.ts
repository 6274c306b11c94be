/**
 * A session reuses its decision for an exact statement text it has seen
 * (libs/session DecisionCache), and only where a fresh evaluation would say
 * the same: the pitfalls of issue 15 against a real server and the shipped
 * policy. CommandDecided says `reused` and names the evaluation reused.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { CommandDecidedData, RecordedEvent } from '@portcullis/events';
import { grantingPolicyBundle, tempDir, type TempDir } from '@portcullis/test-support';
import {
  DEPLOYER,
  SENSITIVE_ROWS,
  TARGET,
  startProxyWorld,
  type ProxyWorld,
} from '../testing/proxy-fixture.js';
import { ROLES } from '../testing/postgres-auth.js';

describe('decision reuse within a session', () => {
  let world: ProxyWorld;
  let dir: TempDir;
  before(async () => {
    [world, dir] = await Promise.all([startProxyWorld(), tempDir('portcullis-decision-reuse-')]);
    world.direct(
      [
        'CREATE SCHEMA other',
        'CREATE TABLE other.users (id int, email text)',
        "INSERT INTO other.users VALUES (1, 'plain-value')",
        `GRANT USAGE ON SCHEMA other TO ${ROLES.scram.user}`,
        `GRANT SELECT ON other.users TO ${ROLES.scram.user}`,
      ].join(';'),
    );
  });
  after(async () => {
    await world?.stop();
    await dir?.remove();
  });

  async function session<T>(
    work: (c: pg.Client) => Promise<T>,
  ): Promise<{ result: T; decided: CommandDecidedData[] }> {
    const before = new Set((await world.sessions()).keys());
    const c = new pg.Client({
      host: '127.0.0.1',
      port: world.proxy.address.port,
      user: 'agent',
      database: TARGET.name,
      password: await world.oidc.issueToken(DEPLOYER),
      ssl: false,
    });
    await c.connect();
    let result: T;
    try {
      result = await work(c);
    } finally {
      await c.end();
    }
    const opened = [...(await world.sessions())].filter(([id]) => !before.has(id));
    assert.equal(opened.length, 1);
    const events: RecordedEvent[] = opened[0]![1];
    return {
      result,
      decided: events.filter((e) => e.type === 'CommandDecided').map((e) => e.data as CommandDecidedData),
    };
  }

  it('the same text again reuses the decision: same decisionId, reused, no evaluation time', async () => {
    const { result, decided } = await session(async (c) => {
      const a = await c.query('SELECT owner FROM public.accounts WHERE id = 1');
      const b = await c.query('SELECT owner FROM public.accounts WHERE id = 1');
      return [a.rows, b.rows];
    });
    assert.deepEqual(result, [[{ owner: 'alice' }], [{ owner: 'alice' }]]);
    assert.equal(decided.length, 2);
    assert.equal(decided[0]!.reused, undefined);
    assert.ok(decided[0]!.evaluationMicros > 0);
    assert.equal(decided[1]!.reused, true);
    assert.equal(decided[1]!.decisionId, decided[0]!.decisionId);
    assert.equal(decided[1]!.evaluationMicros, 0);
    assert.equal(decided[1]!.outcome, 'allow');
  });

  it('texts differing only in a literal are decided each on its own (WHERE 1=0, then WHERE 1=1)', async () => {
    const { decided } = await session(async (c) => {
      await c.query('DELETE FROM public.accounts WHERE 1=0');
      await assert.rejects(c.query('DELETE FROM public.accounts WHERE 1=1'), /portcullis: denied: /);
      await assert.rejects(c.query('DELETE FROM public.accounts WHERE 1=1'), /portcullis: denied: /);
    });
    assert.deepEqual(
      decided.map((d) => [d.outcome, d.reused ?? false]),
      [
        ['allow', false],
        ['review', false],
        ['review', true],
      ],
    );
    assert.equal(world.direct('SELECT count(*) FROM public.accounts'), '3');
  });

  it('an alias of a masked column stays masked, on first sight and on reuse', async () => {
    const { result } = await session(async (c) => {
      const rows = [];
      for (const sql of [
        'SELECT email FROM public.users ORDER BY id',
        'SELECT email AS e FROM public.users ORDER BY id',
      ]) {
        for (let i = 0; i < 2; i++)
          rows.push(...(await c.query(sql)).rows.map((r: Record<string, string>) => Object.values(r)[0]));
      }
      return rows;
    });
    for (const value of result) {
      assert.ok(!SENSITIVE_ROWS.some((r) => r.email === value), `an email came through: ${value}`);
      assert.match(value!, /\*/);
    }
  });

  it('SET search_path between two identical texts: each runs against the table it resolves to, masked as that table is', async () => {
    const { result, decided } = await session(async (c) => {
      const seen = [];
      seen.push((await c.query('SELECT email FROM users ORDER BY id LIMIT 1')).rows[0].email);
      await c.query('SET search_path = other');
      seen.push((await c.query('SELECT email FROM users ORDER BY id LIMIT 1')).rows[0].email);
      await c.query('SET search_path = public');
      seen.push((await c.query('SELECT email FROM users ORDER BY id LIMIT 1')).rows[0].email);
      return seen;
    });
    assert.notEqual(result[0], SENSITIVE_ROWS[0].email);
    assert.match(result[0]!, /\*/, 'public.users.email is masked');
    assert.equal(result[1], 'plain-value', 'other.users.email is not sensitive');
    assert.notEqual(result[2], SENSITIVE_ROWS[0].email);
    assert.match(result[2]!, /\*/, 'masked again after switching back');
    assert.equal(decided.filter((d) => d.reused).length, 2, 'the repeated SELECT was reused twice');
  });

  it('a policy reload between two identical statements: the second is evaluated under the new policy', async () => {
    const { decided } = await session(async (c) => {
      await c.query('SELECT 1 AS before_reload');
      const reloaded = await world.policy.reload();
      assert.ok(reloaded.ok);
      await c.query('SELECT 1 AS before_reload');
    });
    assert.equal(decided.length, 2);
    assert.equal(decided[1]!.reused, undefined, 'evaluated afresh after the reload');
    assert.notEqual(decided[1]!.decisionId, decided[0]!.decisionId);
  });

  it('a grant that expires mid-session: the kept decision ends with it, the same text is then refused', async () => {
    const expiresAt = new Date(Date.now() + 2_500);
    const bundle = await grantingPolicyBundle(join(dir.path, 'expiring'), {
      issuer: world.oidc.issuer,
      appIds: [DEPLOYER],
      targetLabels: [{ env: ['production'], kind: ['database'] }],
      expiresAt,
    });
    const original = world.policy.source;
    assert.ok((await world.policy.reload(bundle)).ok);
    try {
      const { decided } = await session(async (c) => {
        await c.query('SELECT 2 AS while_granted');
        await c.query('SELECT 2 AS while_granted');
        await new Promise((r) => setTimeout(r, Math.max(0, expiresAt.getTime() - Date.now()) + 100));
        await assert.rejects(c.query('SELECT 2 AS while_granted'), /has no grant for target/);
      });
      assert.deepEqual(
        decided.map((d) => [d.outcome, d.reused ?? false]),
        [
          ['allow', false],
          ['allow', true],
          ['deny', false],
        ],
      );
    } finally {
      assert.ok((await world.policy.reload(original)).ok);
    }
  });
});
