/**
 * Per-session upstream credentials against a real PostgreSQL: an ephemeral
 * login role per session (made, used, dropped, swept), the set-role mode
 * with role changes refused before they reach the server, and a session
 * refused when its credential cannot be issued.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { RecordedEvent, UpstreamCredentialIssuedData } from '@portcullis/events';
import { PolicyEngine } from '@portcullis/policy';
import { grantingPolicyBundle, tempDir, type TempDir } from '@portcullis/test-support';
import { startPgProxy, type PgProxy } from '../listener/pg-proxy-server.js';
import type { PgProxyOptions } from '../listener/proxy-options.js';
import { ROLES } from '../testing/postgres-auth.js';
import { DEPLOYER, TARGET, startProxyWorld, type ProxyWorld } from '../testing/proxy-fixture.js';
import { createEphemeralRole } from './ephemeral-role.js';
import { sweepEphemeralRoles } from './sweep-ephemeral-roles.js';
import { checkCredentialRights, withAdmin } from './session-upstream.js';

const ADMIN = { user: 'gw_admin', password: 'gw-admin-secret' };
const GRANTED = 'app_reader';

describe('per-session upstream credentials (PostgreSQL)', () => {
  let world: ProxyWorld;
  let dir: TempDir;
  let policy: PolicyEngine;
  const proxies: PgProxy[] = [];

  before(async () => {
    world = await startProxyWorld({ postgresSettings: { log_statement: 'all' } });
    dir = await tempDir('portcullis-credentials-');
    world.direct(
      [
        `CREATE ROLE ${ADMIN.user} LOGIN CREATEROLE PASSWORD '${ADMIN.password}'`,
        `GRANT pg_signal_backend TO ${ADMIN.user}`,
        `CREATE ROLE ${GRANTED} NOLOGIN`,
        `GRANT ${GRANTED} TO ${ADMIN.user} WITH ADMIN OPTION`,
        `GRANT ${GRANTED} TO ${ROLES.scram.user}`,
        `GRANT SELECT ON public.accounts TO ${GRANTED}`,
      ].join(';'),
    );
    // Members of the granted role log in with their password (the rest of the fixture's rules stay).
    const hba = join(world.postgres.dataDir, 'pg_hba.conf');
    const rules = `host all ${ADMIN.user} 127.0.0.1/32 scram-sha-256\nhost all +${GRANTED} 127.0.0.1/32 scram-sha-256\n`;
    writeFileSync(hba, rules + readFileSync(hba, 'utf8'));
    world.direct('SELECT pg_reload_conf()');
    await new Promise((r) => setTimeout(r, 300));
    policy = await PolicyEngine.load(
      await grantingPolicyBundle(dir.path, {
        issuer: world.oidc.issuer,
        appIds: [DEPLOYER],
        targetLabels: [{ env: ['production'], kind: ['database'] }],
        postgresRole: GRANTED,
      }),
    );
  });
  after(async () => {
    for (const proxy of proxies) await proxy.close();
    await world.stop();
    await dir.remove();
  });

  async function proxyWith(options: Partial<PgProxyOptions>): Promise<PgProxy> {
    const proxy = await startPgProxy({
      ...world.options,
      listen: { host: '127.0.0.1', port: 0 },
      policy,
      upstream: { ...world.options.upstream, user: ADMIN.user, password: ADMIN.password },
      ...options,
    });
    proxies.push(proxy);
    return proxy;
  }

  async function client(proxy: PgProxy): Promise<pg.Client> {
    const c = new pg.Client({
      host: '127.0.0.1',
      port: proxy.address.port,
      user: 'agent',
      database: TARGET.name,
      password: await world.oidc.issueToken(DEPLOYER),
      ssl: false,
    });
    await c.connect();
    return c;
  }

  const leftover = () =>
    world.direct("SELECT string_agg(rolname, ',') FROM pg_roles WHERE rolname LIKE 'portcullis\\_%'").trim();

  async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
    // Generous: the build machine's two cores are shared.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
      // psql through world.direct blocks this process, the proxy's too: poll gently.
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async function streamOf(sessionRole: string): Promise<RecordedEvent[]> {
    for (const events of (await world.sessions()).values()) {
      if (
        events.some(
          (e) => e.type === 'UpstreamCredentialIssued' && (e.data as { role?: string }).role === sessionRole,
        )
      )
        return events;
    }
    return [];
  }

  it('ephemeral-role: the session runs as its own role with the granted rights, and the role is gone after close', async () => {
    const proxy = await proxyWith({ credential: { mode: 'ephemeral-role', maxSessionSeconds: 600 } });
    const c = await client(proxy);
    const who = await c.query<{ current_user: string; session_user: string }>(
      'SELECT current_user, session_user',
    );
    const role = who.rows[0]!.current_user;
    assert.match(role, /^portcullis_[0-9a-f]{12}$/);
    assert.equal(who.rows[0]!.session_user, role);
    // The granted role's rights, nothing else.
    const owners = await c.query('SELECT owner FROM public.accounts ORDER BY id');
    assert.equal(owners.rowCount, 3);
    await assert.rejects(c.query("INSERT INTO public.accounts VALUES (9, 'mallory')"), /permission denied/);
    const seen = world.direct(
      `SELECT usename || ' ' || application_name FROM pg_stat_activity WHERE usename = '${role}'`,
    );
    assert.match(seen, new RegExp(`^${role} portcullis:[0-9a-f]{8}:${DEPLOYER}`));
    const attributes = world.direct(
      `SELECT rolsuper, rolcreaterole, rolcreatedb, rolconnlimit, rolvaliduntil IS NOT NULL FROM pg_roles WHERE rolname = '${role}'`,
    );
    assert.equal(attributes.trim(), 'f|f|f|1|t');
    await c.end();

    await until('the role to be dropped', () => (leftover() === '' ? true : undefined));
    const events = await until('UpstreamCredentialRevoked', async () => {
      const stream = await streamOf(role);
      return stream.some((e) => e.type === 'SessionClosed') ? stream : undefined;
    });
    const types = events.map((e) => e.type);
    assert.deepEqual(types.slice(0, 2), ['SessionOpened', 'UpstreamCredentialIssued']);
    assert.ok(types.indexOf('UpstreamCredentialRevoked') < types.indexOf('SessionClosed'), types.join());
    const issued = events[1]!.data as UpstreamCredentialIssuedData;
    assert.equal(issued.mechanism, 'ephemeral-role');
    assert.equal(issued.grantedRole, GRANTED);
    const validFor = Date.parse(issued.validUntil!) - Date.parse(events[0]!.metadata.recordedAt);
    assert.ok(validFor > 590_000 && validFor <= 600_000, String(validFor));
    // The password reached the server only as its SCRAM verifier.
    assert.match(
      world.postgres.log(),
      /CREATE ROLE "portcullis_[0-9a-f]{12}" .*PASSWORD 'SCRAM-SHA-256\$4096:/,
    );
  });

  it('ephemeral-role: the session ends with its credential (57P01), and the role goes with it', async () => {
    const proxy = await proxyWith({ credential: { mode: 'ephemeral-role', maxSessionSeconds: 2 } });
    const c = await client(proxy);
    // The FATAL first, then node-postgres' own "Connection terminated": keep listening.
    const ended = new Promise<Error>((resolve) => c.on('error', resolve));
    const role = leftover();
    assert.match(role, /^portcullis_[0-9a-f]{12}$/);
    const error = (await ended) as Error & { code?: string };
    assert.equal(error.code, '57P01', error.message);
    assert.match(error.message, /portcullis: the session's upstream credential expired/);
    await until('the role to be dropped', () => (leftover() === '' ? true : undefined));
    const events = await until('SessionClosed', async () => {
      const stream = await streamOf(role);
      return stream.some((e) => e.type === 'SessionClosed') ? stream : undefined;
    });
    assert.equal(
      (events.find((e) => e.type === 'SessionClosed')!.data as { reason: string }).reason,
      'credential_expired',
    );
    await c.end().catch(() => undefined);
  });

  it('ephemeral-role: a credential that cannot be issued refuses the session, with a portcullis: error and an event', async () => {
    // The fixture's own upstream user has no CREATEROLE.
    const proxy = await proxyWith({
      credential: { mode: 'ephemeral-role' },
      upstream: world.options.upstream,
    });
    await assert.rejects(client(proxy), /portcullis: the session's upstream credential could not be issued/);
    const rejected = await until('SessionRejected', async () => {
      for (const events of (await world.sessions()).values()) {
        const found = events.find(
          (e) =>
            e.type === 'SessionRejected' &&
            (e.data as { reason: string }).reason === 'upstream_credential_failed',
        );
        if (found) return found;
      }
      return undefined;
    });
    assert.match((rejected.data as { detail: string }).detail, /permission denied to create role/);
    assert.equal(leftover(), '');
    // What `portcullis config check` says of both users.
    await assert.rejects(
      checkCredentialRights({ upstream: world.options.upstream }),
      /neither CREATEROLE nor SUPERUSER/,
    );
    assert.equal(
      await checkCredentialRights({ upstream: { ...world.options.upstream, ...ADMIN } }),
      `${ADMIN.user} may create session roles (CREATEROLE)`,
    );
  });

  it('ephemeral-role: roles this instance left behind for this target are swept at the next start, others are kept', async () => {
    const at = new Date();
    const made = (sessionId: string, gatewayInstance: string, target: string) =>
      withAdmin({ upstream: { ...world.options.upstream, ...ADMIN } }, (admin) =>
        createEphemeralRole(admin, {
          sessionId,
          grantedRole: GRANTED,
          validUntil: new Date(at.getTime() + 60_000),
          gatewayInstance,
          target,
        }),
      );
    const mine = await made(
      'aaaaaaaa-0000-4000-8000-000000000001',
      world.options.gatewayInstance,
      TARGET.name,
    );
    const theirs = await made('bbbbbbbb-0000-4000-8000-000000000002', 'another-gateway', TARGET.name);
    const otherTarget = await made(
      'cccccccc-0000-4000-8000-000000000003',
      world.options.gatewayInstance,
      'other-db',
    );
    world.direct(`CREATE ROLE portcullis_notours LOGIN`);
    const swept = await sweepEphemeralRoles(
      { ...world.options, upstream: { ...world.options.upstream, ...ADMIN } },
      { debug() {}, info() {}, warn() {}, error() {} },
    );
    assert.deepEqual(swept, [mine.name]);
    assert.deepEqual(
      leftover().split(',').sort(),
      [theirs.name, otherTarget.name, 'portcullis_notours'].sort(),
    );
    world.direct(`DROP ROLE ${theirs.name}; DROP ROLE ${otherTarget.name}; DROP ROLE portcullis_notours`);
  });

  it('set-role: the session acts as the granted role, and a client cannot change it back', async () => {
    const proxy = await proxyWith({ credential: { mode: 'set-role' }, upstream: world.options.upstream });
    const c = await client(proxy);
    const who = await c.query<{ current_user: string; session_user: string }>(
      'SELECT current_user, session_user',
    );
    assert.deepEqual(who.rows[0], { current_user: GRANTED, session_user: ROLES.scram.user });
    for (const escape of [
      'SET ROLE postgres',
      'RESET ROLE',
      'SET SESSION AUTHORIZATION postgres',
      "SELECT set_config('role', 'none', false)",
      'DISCARD ALL',
      "DO $$ BEGIN EXECUTE 'RESET ROLE'; END $$",
    ]) {
      await assert.rejects(c.query(escape), (error: Error & { code?: string }) => {
        assert.equal(error.code, '42501', escape);
        assert.match(error.message, /^portcullis: denied: .*this session acts as its granted role/);
        return true;
      });
    }
    const still = await c.query<{ current_user: string }>('SELECT current_user');
    assert.equal(still.rows[0]!.current_user, GRANTED);
    await c.end();
    const log = world.postgres.log();
    assert.doesNotMatch(log, /SET ROLE postgres|RESET ROLE|set_config\('role'|DISCARD ALL/);
  });
});
