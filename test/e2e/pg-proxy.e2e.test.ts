/**
 * `portcullis serve` guarding a real PostgreSQL server, as an operator runs
 * it: a config file naming an OIDC issuer and a target, a real provider issuing
 * the token, real `psql` as the agent, and the audit trail read back through
 * the API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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

test('psql through `portcullis serve`: allowed, denied (never reaching the server), and audited', async () => {
  const dir = await tempDir();
  const upstream = await startPostgres();
  const oidc = await startOidcProvider({
    clients: [{ clientId: 'ci-deployer' }, { clientId: 'auditor', groups: ['soc-readers'] }],
  });
  let serve: ServeProcess | undefined;
  try {
    execFileSync(psqlBin, [
      upstream.url(),
      '-qc',
      'CREATE TABLE accounts (id int); INSERT INTO accounts VALUES (1), (2)',
    ]);
    const bundle = await grantingPolicyBundle(dir.path, {
      issuer: oidc.issuer,
      appIds: ['ci-deployer'],
      targetLabels: [{ env: ['production'], kind: ['database'] }],
    });
    const [apiPort, proxyPort] = [await freePort(), await freePort()];
    await writeFile(
      join(dir.path, 'portcullis.yaml'),
      serveConfigYaml({
        instance: 'gw-e2e',
        apiPort,
        api: 'auditorGroups: [soc-readers]',
        store: `{ kind: pglite, dataDir: ${join(dir.path, 'data')} }`,
        policy: `{ bundle: ${bundle} }`,
        issuer: oidc,
        target: { listenPort: proxyPort, upstreamPort: upstream.port },
      }),
    );
    serve = await startServe(join(dir.path, 'portcullis.yaml'));
    const deadline = Date.now() + 60_000;
    assert.match(serve.output(), new RegExp(`postgres target prod-db on 127\\.0\\.0\\.1:${proxyPort}`));

    const token = await oidc.issueToken('ci-deployer');
    const agent = (sql: string) =>
      spawnSync(
        psqlBin,
        [`host=127.0.0.1 port=${proxyPort} dbname=prod-db user=agent sslmode=disable`, '-Atc', sql],
        { env: { ...process.env, PGPASSWORD: token }, encoding: 'utf8' },
      );

    const allowed = agent('SELECT count(*) FROM accounts');
    assert.equal(allowed.status, 0, allowed.stderr);
    assert.equal(allowed.stdout.trim(), '2');

    const denied = agent('DROP TABLE accounts');
    assert.notEqual(denied.status, 0);
    assert.match(denied.stderr, /portcullis: denied:/);
    // Checked on the server itself, not on what the client was told.
    assert.equal(
      execFileSync(psqlBin, [upstream.url(), '-Atc', 'SELECT count(*) FROM accounts']).toString().trim(),
      '2',
    );

    const wrongToken = spawnSync(
      psqlBin,
      [`host=127.0.0.1 port=${proxyPort} dbname=prod-db user=agent sslmode=disable`, '-Atc', 'SELECT 1'],
      { env: { ...process.env, PGPASSWORD: 'not-a-token' }, encoding: 'utf8' },
    );
    assert.match(wrongToken.stderr, /authentication failed/);

    // The sessions read model shows what happened, rebuilt from the events.
    type Session = {
      targetName: string;
      status: string;
      commands: number;
      blocked: number;
      rejectReason: string | null;
    };
    let sessions: Session[] = [];
    const auditor = { authorization: `Bearer ${await oidc.issueToken('auditor')}` };
    while (Date.now() < deadline) {
      const page = (await (
        await fetch(`http://127.0.0.1:${apiPort}/api/sessions?target=prod-db`, { headers: auditor })
      ).json()) as {
        items: Session[];
      };
      sessions = page.items;
      if (sessions.length === 3 && sessions.filter((s) => s.status === 'closed').length === 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const closed = sessions.filter((s) => s.status === 'closed');
    assert.deepEqual(closed.map((s) => [s.commands, s.blocked]).sort(), [
      [1, 0],
      [1, 1],
    ]);
    assert.equal(sessions.filter((s) => s.status === 'rejected').length, 1);

    assert.equal(await serve.stop(), 0, serve.output());

    const verify = spawnSync(
      process.execPath,
      [PORTCULLIS_BIN, 'audit', 'verify', '--data-dir', join(dir.path, 'data')],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /^OK: \d+ events in \d+ streams checked, 0 broken/m);
  } finally {
    await serve?.stop('SIGKILL');
    await oidc.stop();
    await upstream.stop();
    await dir.remove();
  }
});

test('`portcullis serve` with TLS towards clients (files relative to the config) and timeouts', async () => {
  const dir = await tempDir();
  const upstream = await startPostgres();
  const oidc = await startOidcProvider({
    clients: [{ clientId: 'ci-deployer' }, { clientId: 'auditor', groups: ['soc-readers'] }],
  });
  let serve: ServeProcess | undefined;
  try {
    // A self-signed certificate for the listener, named by IP address.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=portcullis e2e',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir.path, 'proxy.key'),
        '-out',
        join(dir.path, 'proxy.crt'),
      ],
      { stdio: 'ignore' },
    );
    const bundle = await grantingPolicyBundle(dir.path, {
      issuer: oidc.issuer,
      appIds: ['ci-deployer'],
      targetLabels: [{ env: ['production'], kind: ['database'] }],
    });
    const [apiPort, proxyPort] = [await freePort(), await freePort()];
    await writeFile(
      join(dir.path, 'portcullis.yaml'),
      [
        `api: { listen: "127.0.0.1:${apiPort}" }`,
        'store: { kind: pglite, dataDir: data }',
        `policy: { bundle: ${bundle} }`,
        'issuers:',
        `  - { issuer: "${oidc.issuer}", audiences: ["${oidc.audience}"], jwksUrl: "${oidc.jwksUrl}" }`,
        'targets:',
        '  - name: prod-db',
        '    protocol: postgres',
        `    listen: "127.0.0.1:${proxyPort}"`,
        '    tls: { certFile: proxy.crt, keyFile: proxy.key, required: true }',
        '    statementTimeoutMs: 500',
        '    idleTimeoutSeconds: 60',
        '    labels: { env: production, kind: database }',
        `    upstream: { host: 127.0.0.1, port: ${upstream.port}, database: postgres, user: postgres, tls: { mode: disable } }`,
      ].join('\n'),
    );
    // From another directory: the config's relative file paths resolve against the config file.
    serve = await startServe(join(dir.path, 'portcullis.yaml'), { cwd: '/' });
    const token = await oidc.issueToken('ci-deployer');
    const agent = (connection: string, sql: string) =>
      spawnSync(
        psqlBin,
        [`host=127.0.0.1 port=${proxyPort} dbname=prod-db user=agent ${connection}`, '-Atc', sql],
        {
          env: { ...process.env, PGPASSWORD: token },
          encoding: 'utf8',
        },
      );
    const verified = agent(`sslmode=verify-full sslrootcert=${join(dir.path, 'proxy.crt')}`, 'SELECT 42');
    assert.equal(verified.status, 0, verified.stderr);
    assert.equal(verified.stdout.trim(), '42');
    const plaintext = agent('sslmode=disable', 'SELECT 1');
    assert.notEqual(plaintext.status, 0);
    assert.match(plaintext.stderr, /portcullis: TLS required/);
    const slow = agent('sslmode=require', 'SELECT pg_sleep(5)');
    assert.notEqual(slow.status, 0);
    assert.match(slow.stderr, /canceling statement/);
    assert.equal(await serve.stop(), 0, serve.output());
  } finally {
    await serve?.stop('SIGKILL');
    await oidc.stop();
    await upstream.stop();
    await dir.remove();
  }
});
