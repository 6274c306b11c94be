/**
 * A shadow policy beside the live one, on real traffic: a candidate that
 * denies INSERT on production. The live verdict alone takes effect (the row
 * is written); the candidate's different opinion is recorded as
 * ShadowDecisionDiffered for that statement only.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { ShadowDecisionDifferedData } from '@portcullis/events';
import { PolicyEngine } from '@portcullis/policy';
import { ShadowPolicy } from '@portcullis/session';
import { tempDir, type TempDir } from '@portcullis/test-support';
import { startPgProxy, type PgProxy } from '../listener/pg-proxy-server.js';
import { DEPLOYER, TARGET, startProxyWorld, type ProxyWorld } from '../testing/proxy-fixture.js';

const SHIPPED_DATA = new URL('../../../../policies-rego/src/portcullis/data.json', import.meta.url);

describe('a shadow policy beside the live one', () => {
  let world: ProxyWorld;
  let dir: TempDir;
  let proxy: PgProxy;
  before(async () => {
    [world, dir] = await Promise.all([startProxyWorld(), tempDir('portcullis-shadow-')]);
    const shipped = JSON.parse(await readFile(SHIPPED_DATA, 'utf8')) as {
      postgres: { profiles: { production: { deny_kinds: string[] } } };
    };
    const data = join(dir.path, 'candidate.json');
    await writeFile(
      data,
      JSON.stringify({
        postgres: {
          profiles: {
            production: { deny_kinds: [...shipped.postgres.profiles.production.deny_kinds, 'insert'] },
          },
        },
      }),
    );
    const candidate = await PolicyEngine.load(world.policy.source, { data });
    proxy = await startPgProxy({ ...world.options, shadowPolicy: new ShadowPolicy(candidate) });
  });
  after(async () => {
    await proxy?.close();
    await world?.stop();
    await dir?.remove();
  });

  it('records where the candidate differs, and only there; the live verdict stands', async () => {
    const before = new Set((await world.sessions()).keys());
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
      await c.query('SELECT owner FROM public.accounts WHERE id = 1');
      await c.query("INSERT INTO public.accounts VALUES (70, 'shadowed')");
    } finally {
      await c.end();
    }
    assert.equal(
      world.direct('SELECT owner FROM public.accounts WHERE id = 70'),
      'shadowed',
      'the live policy allowed it',
    );
    const [events] = [...(await world.sessions())].filter(([id]) => !before.has(id)).map(([, e]) => e);
    const shadows = events!
      .filter((e) => e.type === 'ShadowDecisionDiffered')
      .map((e) => e.data as ShadowDecisionDifferedData);
    assert.equal(shadows.length, 1, 'only the INSERT differs');
    const insert = events!.find(
      (e) => e.type === 'CommandReceived' && (e.data as { text: string }).text.startsWith('INSERT'),
    )!.data as { sequence: number };
    assert.equal(shadows[0]!.sequence, insert.sequence);
    assert.equal(shadows[0]!.liveOutcome, 'allow');
    assert.equal(shadows[0]!.shadowOutcome, 'deny');
    assert.match(shadows[0]!.shadowReasons.join(), /insert is not allowed on target prod-db/);
    assert.notEqual(shadows[0]!.shadowPolicyRevision, shadows[0]!.livePolicyRevision);
    world.direct('DELETE FROM public.accounts WHERE id = 70');
  });
});
