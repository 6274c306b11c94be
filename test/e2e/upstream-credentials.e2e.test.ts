/**
 * `portcullis serve` with `credential: { mode: ephemeral-role }` in front of
 * a real PostgreSQL: a session's statements run as its own login role (as
 * pg_stat_activity shows, with session and identity in application_name);
 * a SIGKILL of the gateway leaves that role behind, and the next start
 * sweeps it and records so in the session's stream.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
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
  type ServeProcess,
} from '@portcullis/test-support';

const psqlBin = join(postgresBinDir(), 'psql');

test('ephemeral roles through `portcullis serve`: one per session, swept after a SIGKILL and a restart', async () => {
  const dir = await tempDir();
  const upstream = await startPostgres();
  const oidc = await startOidcProvider({ clients: [{ clientId: 'ci-deployer' }] });
  let serve: ServeProcess | undefined;
  const direct = (sql: string) => execFileSync(psqlBin, [upstream.url(), '-Atc', sql]).toString().trim();
  try {
    direct(
      'CREATE TABLE accounts (id int); INSERT INTO accounts VALUES (1), (2); ' +
        'CREATE ROLE app_reader NOLOGIN; GRANT SELECT ON accounts TO app_reader',
    );
    const bundle = await grantingPolicyBundle(dir.path, {
      issuer: oidc.issuer,
      appIds: ['ci-deployer'],
      targetLabels: [{ env: ['production'], kind: ['database'] }],
      postgresRole: 'app_reader',
    });
    const [apiPort, proxyPort] = [await freePort(), await freePort()];
    const configFile = join(dir.path, 'portcullis.yaml');
    await writeFile(
      configFile,
      serveConfigYaml({
        instance: 'gw-credentials',
        apiPort,
        store: `{ kind: pglite, dataDir: ${join(dir.path, 'data')} }`,
        policy: `{ bundle: ${bundle} }`,
        issuer: oidc,
        target: { listenPort: proxyPort, upstreamPort: upstream.port },
        targetExtra: ['credential: { mode: ephemeral-role, maxSessionSeconds: 600 }'],
      }),
    );
    const check = spawnSync(process.execPath, [PORTCULLIS_BIN, 'config', 'check', '--config', configFile], {
      encoding: 'utf8',
    });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /postgres may create session roles \(superuser\)/);
    serve = await startServe(configFile);

    const client = new pg.Client({
      host: '127.0.0.1',
      port: proxyPort,
      user: 'agent',
      database: 'prod-db',
      password: await oidc.issueToken('ci-deployer'),
      ssl: false,
    });
    client.on('error', () => undefined); // the gateway is killed under it
    await client.connect();
    const who = await client.query<{ current_user: string; n: string }>(
      'SELECT current_user, (SELECT count(*) FROM accounts) AS n',
    );
    const role = who.rows[0]!.current_user;
    assert.match(role, /^portcullis_[0-9a-f]{12}$/);
    assert.equal(who.rows[0]!.n, '2');
    assert.match(
      direct(`SELECT application_name FROM pg_stat_activity WHERE usename = '${role}'`),
      /^portcullis:[0-9a-f]{8}:ci-deployer$/,
    );

    await serve.stop('SIGKILL');
    serve = undefined;
    await client.end().catch(() => undefined);
    assert.equal(direct(`SELECT count(*) FROM pg_roles WHERE rolname = '${role}'`), '1', 'left behind');

    serve = await startServe(configFile);
    assert.equal(direct(`SELECT count(*) FROM pg_roles WHERE rolname = '${role}'`), '0', 'swept at start');
    assert.match(serve.output(), /swept ephemeral roles left by an earlier run/);
    assert.equal(await serve.stop(), 0, serve.output());
    serve = undefined;

    const tail = spawnSync(process.execPath, [PORTCULLIS_BIN, 'events', 'tail', '--config', configFile], {
      encoding: 'utf8',
    });
    assert.equal(tail.status, 0, tail.stderr);
    const events = tail.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; data: Record<string, unknown> });
    const issued = events.find((e) => e.type === 'UpstreamCredentialIssued');
    assert.equal(issued?.data.role, role);
    const swept = events.find((e) => e.type === 'UpstreamCredentialRevoked');
    assert.deepEqual(
      { role: swept?.data.role, reason: swept?.data.reason, sessionId: swept?.data.sessionId },
      { role, reason: 'swept_after_restart', sessionId: issued?.data.sessionId },
    );
    assert.doesNotMatch(tail.stdout, /SCRAM-SHA-256|password/i);

    const verify = spawnSync(process.execPath, [PORTCULLIS_BIN, 'audit', 'verify', '--config', configFile], {
      encoding: 'utf8',
    });
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  } finally {
    await serve?.stop('SIGKILL');
    await Promise.all([upstream.stop(), oidc.stop()]);
    await dir.remove();
  }
});
