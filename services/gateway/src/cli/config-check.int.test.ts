import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import {
  freePort,
  startOidcProvider,
  startPostgres,
  tempDir,
  type OidcProvider,
  type PostgresServer,
  type TempDir,
} from '@portcullis/test-support';
import { main } from './main.js';

/**
 * `portcullis config check` against real peers: a real OIDC provider's
 * discovery and JWKS, a real PostgreSQL store and upstream; a port nobody
 * listens on; a certificate file that does not exist; an unknown key.
 */
describe('portcullis config check', () => {
  let dir: TempDir;
  let postgres: PostgresServer;
  let oidc: OidcProvider;
  before(async () => {
    dir = await tempDir('portcullis-config-check-');
    postgres = await startPostgres();
    oidc = await startOidcProvider({ clients: [{ clientId: 'ci' }] });
  });
  after(async () => {
    await oidc?.stop();
    await postgres?.stop();
    await dir?.remove();
  });

  async function check(name: string, lines: string[]): Promise<{ status: number; out: string }> {
    const file = join(dir.path, `${name}.yaml`);
    await writeFile(file, lines.join('\n'));
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        out += chunk.toString();
        done();
      },
    });
    const status = await main(['node', 'portcullis', 'config', 'check', '--config', file], {
      stdout: sink,
      stderr: sink,
    });
    return { status, out };
  }

  const base = () => [
    `store: { kind: postgres, url: "${postgres.url()}" }`,
    'issuers:',
    `  - { issuer: "${oidc.issuer}", audiences: ["${oidc.audience}"], jwksUrl: "${oidc.jwksUrl}" }`,
    'targets:',
  ];
  const target = (port: number, extra: string[] = []) => [
    '  - name: prod-db',
    '    protocol: postgres',
    '    listen: "127.0.0.1:6432"',
    `    upstream: { host: 127.0.0.1, port: ${port}, database: postgres, user: postgres }`,
    ...extra,
  ];

  it('reaches the issuer, the store and the upstream: one ok line each, exit 0', async () => {
    const { status, out } = await check('good', [...base(), ...target(postgres.port)]);
    assert.equal(status, 0, out);
    assert.match(
      out,
      new RegExp(
        `ok +issuer ${oidc.issuer.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: discovery and JWKS reached`,
      ),
    );
    assert.match(out, /ok +store postgres: answers/);
    assert.match(out, /ok +target prod-db upstream: 127\.0\.0\.1:\d+\/postgres authenticated as postgres/);
    assert.match(out, /ok +policy bundle: revision /);
  });

  it('an upstream nobody answers on is unreachable: exit 1, naming the target', async () => {
    const { status, out } = await check('unreachable', [...base(), ...target(await freePort())]);
    assert.equal(status, 1, out);
    assert.match(out, /unreachable +target prod-db upstream: /);
    assert.match(out, /ok +store postgres/, 'the other items are still checked');
  });

  it('a certificate file that cannot be read is invalid: exit 2, naming the path', async () => {
    const missing = join(dir.path, 'no-such.crt');
    const { status, out } = await check('missing-cert', [
      ...base(),
      ...target(postgres.port, [`    tls: { certFile: ${missing}, keyFile: ${missing} }`]),
    ]);
    assert.equal(status, 2, out);
    assert.match(
      out,
      new RegExp(`invalid +target prod-db tls: target prod-db tls\\.certFile: cannot read ${missing}`),
    );
  });

  it('a console client secret file that cannot be read is invalid: exit 2, naming the path', async () => {
    const missing = join(dir.path, 'no-such-secret');
    const { status, out } = await check('console-secret', [
      ...base(),
      ...target(postgres.port),
      'console:',
      `  issuers: [{ issuer: "${oidc.issuer}", name: Test, clientId: console, clientSecretFile: ${missing} }]`,
    ]);
    assert.equal(status, 2, out);
    assert.match(out, new RegExp(`invalid +console sign-in Test client secret: cannot read ${missing}`));
  });

  it('forwarders: a syslog peer is reached, one nobody answers is unreachable, an unreadable token file invalid', async () => {
    const listener = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const listening = (listener.address() as AddressInfo).port;
    try {
      const missing = join(dir.path, 'no-such-token');
      const { status, out } = await check('forwarders', [
        `store: { kind: postgres, url: "${postgres.url()}" }`,
        'siem:',
        '  forwarders:',
        `    - { name: up, type: syslog, address: "127.0.0.1:${listening}" }`,
        `    - { name: down, type: syslog, address: "127.0.0.1:${await freePort()}" }`,
        `    - { name: hec, type: http, style: hec, url: "http://127.0.0.1:1/x", tokenFile: ${missing} }`,
      ]);
      assert.equal(status, 2, out);
      assert.match(
        out,
        new RegExp(`ok +forwarder up: syslog://127\\.0\\.0\\.1:${listening} accepts connections`),
      );
      assert.match(out, /unreachable +forwarder down: cannot connect to syslog:\/\/127\.0\.0\.1:\d+/);
      assert.match(
        out,
        new RegExp(`invalid +forwarder hec: forwarder hec: cannot read tokenFile ${missing}`),
      );
    } finally {
      listener.close();
    }
  });

  it('an unknown key makes the file invalid: exit 2, naming the key', async () => {
    const { status, out } = await check('unknown-key', ['colour: blue', ...base()]);
    assert.equal(status, 2, out);
    assert.match(out, /invalid +config .*colour/);
  });
});
