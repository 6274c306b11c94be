/**
 * Operators change who may connect by editing a data file, with no rebuild
 * and no restart: `portcullis serve` with `policy.data`, the shipped bundle
 * (no test grant in it), a real OIDC provider and real node-postgres
 * clients. A grant added admits a new application's token; a broken edit is
 * refused with its line while the last good revision keeps serving; a grant
 * removed refuses the next session.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import {
  freePort,
  startOidcProvider,
  startPostgres,
  serveConfigYaml,
  startServe,
  tempDir,
  type OidcProvider,
  type PostgresServer,
  type ServeProcess,
  type TempDir,
} from '@portcullis/test-support';

interface PolicyHealth {
  status: string;
  revision: string;
  data?: string;
  rejected?: { reason: string; activeRevision: string };
}

describe('policy data hot reload through portcullis serve', () => {
  let dir: TempDir;
  let upstream: PostgresServer;
  let oidc: OidcProvider;
  let serve: ServeProcess;
  let dataFile: string;
  let proxyPort: number;
  let apiPort: number;

  const data = (appIds: string[], appIdsKey = 'app_ids') =>
    [
      'issuers:',
      `  "${oidc.issuer}": { description: the test provider }`,
      'grants:',
      '  loaders:',
      `    issuer: "${oidc.issuer}"`,
      `    ${appIdsKey}: [${appIds.join(', ')}]`,
      '    target_labels: [{ env: [production], kind: [database] }]',
      '',
    ].join('\n');

  before(async () => {
    dir = await tempDir('portcullis-policy-data-e2e-');
    upstream = await startPostgres();
    oidc = await startOidcProvider({ clients: [{ clientId: 'ci-loader' }, { clientId: 'new-app' }] });
    dataFile = join(dir.path, 'policy-data.yaml');
    await writeFile(dataFile, data(['ci-loader']));
    proxyPort = await freePort();
    apiPort = await freePort();
    const configFile = join(dir.path, 'portcullis.yaml');
    await writeFile(
      configFile,
      serveConfigYaml({
        instance: 'gw-policy-data',
        apiPort,
        store: '{ kind: pglite, dataDir: ./data }',
        policy: '{ data: ./policy-data.yaml }',
        logLevel: 'info',
        issuer: oidc,
        target: { listenPort: proxyPort, upstreamPort: upstream.port },
      }),
    );
    serve = await startServe(configFile);
  });

  after(async () => {
    await serve?.stop('SIGKILL');
    await oidc?.stop();
    await upstream?.stop();
    await dir?.remove();
  });

  async function policyHealth(): Promise<PolicyHealth> {
    const body = (await (await fetch(`http://127.0.0.1:${apiPort}/health`)).json()) as {
      details: { policy: PolicyHealth };
    };
    return body.details.policy;
  }

  async function until(what: string, condition: (h: PolicyHealth) => boolean): Promise<PolicyHealth> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const health = await policyHealth();
      if (condition(health)) return health;
      if (Date.now() > deadline) assert.fail(`${what}: /health still says ${JSON.stringify(health)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Opens a session as `app` and runs one query: its result, or the error's code and message. */
  async function connectAs(app: string): Promise<string> {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: proxyPort,
      user: 'agent',
      database: 'prod-db',
      password: await oidc.issueToken(app),
      connectionTimeoutMillis: 10_000,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return String((await client.query('SELECT 7 AS seven')).rows[0].seven);
    } catch (error) {
      const e = error as { code?: string; message: string };
      return `${e.code}: ${e.message}`;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  it('a grant added to the data file admits the new application without a restart', async () => {
    const first = await policyHealth();
    assert.equal(first.status, 'up');
    assert.equal(first.data, dataFile);
    assert.match(first.revision, /\+data\.[0-9a-f]{16}$/);
    assert.equal(await connectAs('ci-loader'), '7');
    assert.match(await connectAs('new-app'), /^28000: /);

    await writeFile(dataFile, data(['ci-loader', 'new-app']));
    const second = await until('the new data', (h) => h.status === 'up' && h.revision !== first.revision);
    assert.equal(await connectAs('new-app'), '7');
    assert.match(serve.output(), /policy data reloaded/);

    // A broken edit: refused with file and line, the last good revision keeps deciding.
    await writeFile(dataFile, data(['ci-loader'], 'app_id'));
    const broken = await until('the refusal', (h) => h.status === 'degraded');
    assert.equal(broken.revision, second.revision);
    assert.equal(broken.rejected?.activeRevision, second.revision);
    assert.match(broken.rejected!.reason, /policy-data\.yaml:6:5: \/grants\/loaders\/app_id: unknown key/);
    assert.match(serve.output(), /policy data rejected: the last good revision keeps deciding/);
    assert.equal(await connectAs('new-app'), '7', 'the last good data still admits new-app');

    // The grant removed: the next session of new-app is refused, ci-loader's are not.
    await writeFile(dataFile, data(['ci-loader']));
    await until('the grant removed', (h) => h.status === 'up' && h.revision !== second.revision);
    assert.match(await connectAs('new-app'), /^28000: /);
    assert.equal(await connectAs('ci-loader'), '7');
  });
});
