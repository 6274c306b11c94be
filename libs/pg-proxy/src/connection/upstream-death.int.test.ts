/**
 * The upstream dies under a session (its backend terminated, the server
 * stopped): the client gets exactly one FATAL — PostgreSQL's own 57P01 when
 * it sent one — and the command it cut off is on record with that error
 * (CommandCompleted), before SessionClosed `upstream_closed`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { RecordedEvent } from '@portcullis/events';
import { postgresBinDir } from '@portcullis/test-support';
import { frontend } from '../protocol/index.js';
import { DEPLOYER, TARGET, startProxyWorld, type ProxyWorld } from '../testing/proxy-fixture.js';
import { rawSession } from '../testing/raw-client.js';

describe('upstream death', () => {
  let world: ProxyWorld;
  before(async () => {
    world = await startProxyWorld();
  });
  after(async () => {
    await world?.stop();
  });

  /** The upstream backend serving the session whose client named itself `application`. */
  async function backendOf(application: string, state: 'idle' | 'active'): Promise<string> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const pid = world.direct(
        // The proxy names upstream sessions portcullis:<session>:<subject>:<client's name> (cut at 63 bytes).
        `SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'portcullis:%' AND state = '${state}'
           AND '${application}' LIKE split_part(application_name, ':', 4) || '%' AND split_part(application_name, ':', 4) <> ''`,
      );
      if (pid) return pid;
      if (Date.now() > deadline) assert.fail(`no ${state} backend for ${application}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function sessionOf(text: string): Promise<RecordedEvent[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      for (const events of (await world.sessions()).values()) {
        const has = events.some(
          (e) => e.type === 'CommandReceived' && (e.data as { text: string }).text === text,
        );
        if (has && events.at(-1)?.type === 'SessionClosed') return events;
      }
      if (Date.now() > deadline) assert.fail(`no closed session with ${text}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function open(application: string) {
    const session = rawSession(
      world.proxy.address.port,
      { user: 'agent', database: TARGET.name, application_name: application },
      await world.oidc.issueToken(DEPLOYER),
    );
    await session.ready;
    return session;
  }

  it('an idle client whose backend is terminated gets one FATAL, the server’s 57P01', async () => {
    const session = await open('death-idle');
    world.direct(`SELECT pg_terminate_backend(${await backendOf('death-idle', 'idle')})`);
    const exchange = await session.closed;
    assert.deepEqual(
      exchange.severities.filter((s) => s === 'FATAL'),
      ['FATAL'],
      `frames: ${exchange.types.join(' ')}`,
    );
    assert.deepEqual(exchange.errors, ['57P01']);
  });

  it('a statement cut off by pg_terminate_backend: one FATAL, CommandCompleted with 57P01, then SessionClosed', async () => {
    const session = await open('death-busy');
    const text = "SELECT 'cut off', pg_sleep(30)";
    session.socket.write(frontend.query(text));
    world.direct(`SELECT pg_terminate_backend(${await backendOf('death-busy', 'active')})`);
    const exchange = await session.closed;
    assert.deepEqual(exchange.severities, ['FATAL']);
    assert.deepEqual(exchange.errors, ['57P01']);
    const events = await sessionOf(text);
    const completed = events.find((e) => e.type === 'CommandCompleted');
    assert.ok(completed, `events: ${events.map((e) => e.type).join(' ')}`);
    assert.equal((completed.data as { error?: { code: string } }).error?.code, '57P01');
    assert.equal((events.at(-1)!.data as { reason: string }).reason, 'upstream_closed');
  });

  // Last: the server does not come back.
  it('psql mid-statement when the server stops: one FATAL on its screen, the statement on record with it', async () => {
    const text = "SELECT 'until shutdown', pg_sleep(30)";
    const env = {
      ...process.env,
      PGPASSWORD: await world.oidc.issueToken(DEPLOYER),
      PGSSLMODE: 'disable',
      PGAPPNAME: 'death-stop',
    };
    const args = [
      '-h',
      '127.0.0.1',
      '-p',
      String(world.proxy.address.port),
      '-U',
      'agent',
      '-d',
      TARGET.name,
    ];
    const run = promisify(execFile)(join(postgresBinDir(), 'psql'), [...args, '-w', '-Atc', text], {
      env,
    }).then(
      () => assert.fail('psql succeeded although the server stopped'),
      (error: { code: number; stderr: string }) => error,
    );
    await backendOf('death-stop', 'active');
    await world.postgres.stop();
    const { code, stderr } = await run;
    assert.notEqual(code, 0);
    assert.equal(stderr.match(/FATAL/g)?.length, 1, stderr);
    assert.match(stderr, /terminating connection due to administrator command/);
    const events = await sessionOf(text);
    const completed = events.find((e) => e.type === 'CommandCompleted');
    assert.equal((completed?.data as { error?: { code: string } }).error?.code, '57P01');
  });
});
