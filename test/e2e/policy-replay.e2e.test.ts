/**
 * `portcullis policy replay` over a store recorded by a real `portcullis
 * serve` session (node-postgres through the proxy): the live policy reports
 * no change; a stricter candidate (INSERT denied on production, as data)
 * reports exactly the INSERTs, and exits 1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import {
  freePort,
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

const SHIPPED_DATA = new URL('../../../policies-rego/src/portcullis/data.json', import.meta.url);

describe('portcullis policy replay', () => {
  let dir: TempDir;
  let upstream: PostgresServer;
  let oidc: OidcProvider;
  let configFile: string;
  let grants: string;

  before(async () => {
    dir = await tempDir('portcullis-policy-replay-');
    upstream = await startPostgres();
    oidc = await startOidcProvider({ clients: [{ clientId: 'ci-loader' }] });
    grants = [
      'issuers:',
      `  "${oidc.issuer}": { description: the test provider }`,
      'grants:',
      '  loaders:',
      `    issuer: "${oidc.issuer}"`,
      '    app_ids: [ci-loader]',
      '    target_labels: [{ env: [production], kind: [database] }]',
      '',
    ].join('\n');
    await writeFile(join(dir.path, 'live.yaml'), grants);
    const proxyPort = await freePort();
    configFile = join(dir.path, 'portcullis.yaml');
    await writeFile(
      configFile,
      serveConfigYaml({
        instance: 'gw-replay',
        apiPort: await freePort(),
        store: '{ kind: pglite, dataDir: ./data }',
        policy: '{ data: ./live.yaml }',
        logLevel: 'warn',
        issuer: oidc,
        target: { listenPort: proxyPort, upstreamPort: upstream.port },
      }),
    );
    const serve = await startServe(configFile);
    try {
      const client = new pg.Client({
        host: '127.0.0.1',
        port: proxyPort,
        user: 'agent',
        database: 'prod-db',
        password: await oidc.issueToken('ci-loader'),
      });
      await client.connect();
      try {
        await upstreamQuery('CREATE TABLE ledger (n int)');
        await client.query('SELECT count(*) FROM ledger');
        await client.query('INSERT INTO ledger VALUES (1)');
        await client.query('INSERT INTO ledger VALUES (2)');
        await client.query('SELECT n FROM ledger ORDER BY n');
        await assert.rejects(client.query('DROP TABLE ledger'), /portcullis: denied/);
      } finally {
        await client.end();
      }
    } finally {
      assert.equal(await serve.stop('SIGTERM'), 0, serve.output());
    }
  });

  after(async () => {
    await oidc?.stop();
    await upstream?.stop();
    await dir?.remove();
  });

  async function upstreamQuery(sql: string): Promise<void> {
    const c = new pg.Client({ connectionString: upstream.url() });
    await c.connect();
    await c.query(sql).finally(() => c.end());
  }

  const replay = (...args: string[]) =>
    spawnSync(process.execPath, [PORTCULLIS_BIN, 'policy', 'replay', '--config', configFile, ...args], {
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('the live policy again: no change, exit 0', () => {
    const result = replay('--data', join(dir.path, 'live.yaml'));
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /NO CHANGE: 5 commands replayed/);
  });

  it('a stricter candidate reports exactly the statements that change, exit 1', async () => {
    const shipped = JSON.parse(await readFile(SHIPPED_DATA, 'utf8')) as {
      postgres: { profiles: { production: { deny_kinds: string[] } } };
    };
    const denyKinds = [...shipped.postgres.profiles.production.deny_kinds, 'insert'];
    await writeFile(
      join(dir.path, 'stricter.yaml'),
      `${grants}postgres:\n  profiles:\n    production:\n      deny_kinds: [${denyKinds.join(', ')}]\n`,
    );
    const result = replay('--data', join(dir.path, 'stricter.yaml'), '--json');
    assert.equal(result.status, 1, `${result.stdout}${result.stderr}`);
    const report = JSON.parse(result.stdout) as {
      commands: number;
      unchanged: number;
      changes: { change: string; count: number; examples: { text: string; candidateReasons: string[] }[] }[];
    };
    assert.equal(report.commands, 5);
    assert.equal(report.unchanged, 3);
    assert.deepEqual(
      report.changes.map((c) => [c.change, c.count]),
      [['allow → deny', 2]],
    );
    assert.deepEqual(report.changes[0]!.examples.map((e) => e.text).sort(), [
      'INSERT INTO ledger VALUES (1)',
      'INSERT INTO ledger VALUES (2)',
    ]);
    assert.match(
      report.changes[0]!.examples[0]!.candidateReasons.join(),
      /insert is not allowed on target prod-db/,
    );

    const text = replay('--data', join(dir.path, 'stricter.yaml'), '--target', 'other-db');
    assert.equal(text.status, 0, 'nothing recorded on another target');
    assert.match(text.stdout, /NO CHANGE: 0 commands/);
  });
});
