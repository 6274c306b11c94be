/**
 * The SIEM forwarders of a real `portcullis serve`, with real peers: a real
 * rsyslogd (imtcp, octet counting) receiving OCSF over syslog, a second
 * rsyslogd receiving it over TLS (RFC 5425, rsyslog's gtls driver from
 * rsyslog-gnutls, client certificate required), and a Node HTTP server as
 * the Splunk HEC endpoint. Real psql sessions through the proxy make the
 * events. Outages of each peer and a restart of the gateway lose nothing;
 * the data path does not wait for a peer; the anchors that reached rsyslog
 * verify the store.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer as createHttpServer, type Server } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import pg from 'pg';
import {
  PORTCULLIS_BIN,
  freePort,
  postgresBinDir,
  serveConfigYaml,
  startOidcProvider,
  startPostgres,
  startRsyslog,
  startServe,
  tempDir,
  type OidcProvider,
  type PostgresServer,
  type RsyslogServer,
  type ServeProcess,
  type TempDir,
} from '@portcullis/test-support';

const psqlBin = join(postgresBinDir(), 'psql');
const HEC_TOKEN = 'hec-token-7c1d0a9e5b3f4e2a';
const GENERIC_TOKEN = 'generic-token-0f3b9d2c';
const DEADLINE_MS = 30_000;

/** RFC 5424: PRI VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG */
const RFC5424 = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (\[(?:[^\]\\]|\\.)*\]|-) (.*)$/;

interface Syslog {
  pri: number;
  timestamp: string;
  app: string;
  msgid: string;
  sd: string;
  body: Record<string, unknown>;
}

function parseSyslog(line: string): Syslog {
  const m = RFC5424.exec(line);
  assert.ok(m, `not RFC 5424: ${line.slice(0, 200)}`);
  return {
    pri: Number(m[1]),
    timestamp: m[2]!,
    app: m[4]!,
    msgid: m[6]!,
    sd: m[7]!,
    body: JSON.parse(m[8]!),
  };
}

const uidOf = (ocsf: Record<string, unknown>) => (ocsf.metadata as { uid: string }).uid;

/**
 * A throwaway CA in `dir` (ca-cert.pem) and two certificates it signs:
 * rsyslog's (tls-*.pem, for 127.0.0.1) and the forwarder's client
 * certificate (client-*.pem), which rsyslog requires (x509/certvalid).
 */
function makeCertificates(dir: string): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  const at = (file: string) => join(dir, file);
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=Portcullis test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout',
    at('ca-key.pem'),
    '-out',
    at('ca-cert.pem'),
  );
  const signed = (name: string, subject: string, extensions: string) => {
    openssl(
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      subject,
      '-keyout',
      at(`${name}-key.pem`),
      '-out',
      at(`${name}.csr`),
    );
    writeFileSync(at(`${name}.ext`), `${extensions}\n`);
    openssl(
      'x509',
      '-req',
      '-in',
      at(`${name}.csr`),
      '-CA',
      at('ca-cert.pem'),
      '-CAkey',
      at('ca-key.pem'),
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      at(`${name}.ext`),
      '-out',
      at(`${name}-cert.pem`),
    );
  };
  signed('tls', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth');
  signed('client', '/CN=portcullis-forwarder', 'extendedKeyUsage=clientAuth');
}

/** A Splunk HEC-style endpoint: 503 while `down`, else takes the batch. */
function startHecReceiver() {
  const state = {
    down: true,
    refused: 0,
    accepted: 0,
    badAuth: 0,
    envelopes: [] as Record<string, unknown>[],
    generic: [] as Record<string, unknown>[],
  };
  const server: Server = createHttpServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      if (req.url !== '/generic' && req.headers.authorization !== `Splunk ${HEC_TOKEN}`) {
        state.badAuth += 1;
        res.writeHead(401).end('{"text":"Invalid authorization","code":3}');
        return;
      }
      if (req.url === '/generic') {
        // The generic JSON forwarder: one JSON array per POST, a bearer token.
        if (req.headers.authorization !== `Bearer ${GENERIC_TOKEN}`) state.badAuth += 1;
        else state.generic.push(...(JSON.parse(body) as Record<string, unknown>[]));
        res.writeHead(204).end();
        return;
      }
      if (state.down || req.url !== '/services/collector/event') {
        state.refused += 1;
        res.writeHead(503).end('{"text":"Server is busy","code":9}');
        return;
      }
      // HEC batches: envelopes one after another.
      for (const line of body.split('\n').filter(Boolean))
        state.envelopes.push(JSON.parse(line) as Record<string, unknown>);
      state.accepted += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"Success","code":0}');
    });
  });
  return new Promise<{ server: Server; port: number; state: typeof state }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as AddressInfo).port, state }),
    ),
  );
}

describe('SIEM forwarders of portcullis serve', () => {
  let dir: TempDir;
  let upstream: PostgresServer;
  let oidc: OidcProvider;
  let rsyslog: RsyslogServer;
  let tlsRsyslog: RsyslogServer;
  let hec: Awaited<ReturnType<typeof startHecReceiver>>;
  let serve: ServeProcess;
  let configFile: string;
  let storeConfig: string;
  let apiPort: number;
  let proxyPort: number;

  before(async () => {
    dir = await tempDir('portcullis-forwarders-');
    upstream = await startPostgres();
    const admin = new pg.Client({ connectionString: upstream.url() });
    await admin.connect();
    await admin.query('CREATE DATABASE portcullis');
    await admin.end();
    oidc = await startOidcProvider({ clients: [{ clientId: 'ci-loader' }] });
    rsyslog = await startRsyslog();
    makeCertificates(dir.path);
    tlsRsyslog = await startRsyslog({
      tls: {
        caFile: join(dir.path, 'ca-cert.pem'),
        certFile: join(dir.path, 'tls-cert.pem'),
        keyFile: join(dir.path, 'tls-key.pem'),
      },
    });
    hec = await startHecReceiver();
    await writeFile(
      join(dir.path, 'grants.yaml'),
      [
        'issuers:',
        `  "${oidc.issuer}": { description: the test provider }`,
        'grants:',
        '  loaders:',
        `    issuer: "${oidc.issuer}"`,
        '    app_ids: [ci-loader]',
        '    target_labels: [{ env: [production], kind: [database] }]',
        '',
      ].join('\n'),
    );
    const retry = 'retry: { initialDelayMs: 50, maxDelayMs: 400 }';
    apiPort = await freePort();
    proxyPort = await freePort();
    const store = `{ kind: postgres, url: "${upstream.url('portcullis')}" }`;
    configFile = join(dir.path, 'portcullis.yaml');
    await writeFile(
      configFile,
      serveConfigYaml({
        instance: 'gw-forwarders',
        apiPort,
        store,
        policy: '{ data: ./grants.yaml }',
        logLevel: 'info',
        issuer: oidc,
        target: { listenPort: proxyPort, upstreamPort: upstream.port },
        extra: [
          'siem:',
          '  forwarders:',
          `    - { name: rsyslog, type: syslog, format: ocsf, address: "127.0.0.1:${rsyslog.port}", confirmAfterMs: 200, batchSize: 50, degradedAfterSeconds: 1, ${retry} }`,
          `    - { name: syslog-tls, type: syslog, format: ocsf, address: "127.0.0.1:${tlsRsyslog.port}", tls: { caFile: ./ca-cert.pem, certFile: ./client-cert.pem, keyFile: ./client-key.pem }, confirmAfterMs: 50, ${retry} }`,
          `    - { name: splunk, type: http, style: hec, format: json, url: "http://127.0.0.1:${hec.port}/services/collector/event", tokenEnv: PORTCULLIS_TEST_HEC_TOKEN, degradedAfterSeconds: 1, ${retry} }`,
          `    - { name: generic, type: http, style: json, format: ocsf, url: "http://127.0.0.1:${hec.port}/generic", tokenFile: ./generic-token, ${retry} }`,
          '  anchors: { everyEvents: 20, everySeconds: 1 }',
        ],
      }),
    );
    await writeFile(join(dir.path, 'generic-token'), `${GENERIC_TOKEN}\n`);
    storeConfig = join(dir.path, 'store.yaml');
    await writeFile(storeConfig, `store: ${store}\n`);
    process.env.PORTCULLIS_TEST_HEC_TOKEN = HEC_TOKEN;
    serve = await startServe(configFile);
  });

  after(async () => {
    await serve?.stop();
    await rsyslog?.remove();
    await tlsRsyslog?.remove();
    hec?.server.close();
    await oidc?.stop();
    await upstream?.stop();
    await dir?.remove();
  });

  async function psql(sql: string): Promise<string> {
    const result = spawnSync(
      psqlBin,
      [`host=127.0.0.1 port=${proxyPort} dbname=prod-db user=agent sslmode=disable`, '-Atc', sql],
      {
        env: { ...process.env, PGPASSWORD: await oidc.issueToken('ci-loader') },
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    assert.equal(result.status, 0, result.stderr);
    return result.stdout.trim();
  }

  /** Every event in the store, in a format, read with `portcullis events tail`. */
  function storeEvents(format: 'json' | 'ocsf'): Record<string, unknown>[] {
    const result = spawnSync(
      process.execPath,
      [PORTCULLIS_BIN, 'events', 'tail', '--config', storeConfig, '--format', format],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    assert.equal(result.status, 0, result.stderr);
    return result.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  interface Status {
    name: string;
    state: string;
    degraded: boolean;
    forwarded: number;
    errors: number;
    position?: string;
  }
  async function health(): Promise<{ status: string; forwarders: Status[] }> {
    const body = (await (await fetch(`http://127.0.0.1:${apiPort}/health`)).json()) as {
      details: { forwarders: { status: string; forwarders: Status[] } };
    };
    return body.details.forwarders;
  }

  async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      // A pooled keep-alive connection the server just closed fails once: ask again.
      const value = await Promise.resolve()
        .then(probe)
        .catch((error: unknown) => {
          if (error instanceof TypeError && /fetch failed/.test(error.message)) return undefined;
          throw error;
        });
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline)
        assert.fail(`${what}: not within ${DEADLINE_MS} ms\n${serve.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Resolves once `server` has every OCSF event of the store (by metadata.uid); returns what it has. */
  async function rsyslogHasEverything(server: RsyslogServer = rsyslog): Promise<Syslog[]> {
    const expected = storeEvents('ocsf').map(uidOf);
    const name = server === rsyslog ? 'rsyslog' : 'rsyslog over TLS';
    return until(`${name} has every event`, async () => {
      const received = (await server.lines()).map(parseSyslog);
      const uids = new Set(received.map((m) => (m.body.metadata as { uid?: string } | undefined)?.uid));
      return expected.every((u) => uids.has(u)) ? received : undefined;
    });
  }

  /** The statement `sql` as Datastore Activity in RFC 5424 with an OCSF body, and the session as Authentication. */
  function assertSessionReceived(received: Syslog[], sql: string): void {
    const statement = received.find(
      (m) =>
        m.body.class_uid === 6005 && (m.body.query_info as { query_string?: string })?.query_string === sql,
    );
    assert.ok(statement, 'the statement as Datastore Activity');
    assert.equal(statement.app, 'portcullis');
    assert.equal(
      statement.msgid,
      statement.body.metadata && (statement.body.metadata as { event_code: string }).event_code,
    );
    assert.match(
      statement.sd,
      new RegExp(`^\\[portcullis@32473 id="${uidOf(statement.body)}" position="\\d+/\\d+"\\]$`),
    );
    assert.equal(Math.floor(statement.pri / 8), 13, 'facility log audit');
    assert.ok(
      received.some((m) => m.body.class_uid === 3002),
      'the session as Authentication',
    );
  }

  /**
   * A TLS client that trusts rsyslog's CA but has no client certificate: rsyslog
   * (x509/certvalid) ends the connection, and what it wrote is never logged.
   */
  function sendWithoutClientCertificate(message: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({
        host: '127.0.0.1',
        port: tlsRsyslog.port,
        ca: readFileSync(join(dir.path, 'ca-cert.pem')),
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('rsyslog kept a TLS connection without a client certificate open'));
      }, 10_000);
      socket.on('error', () => {});
      socket.once('secureConnect', () => socket.write(`${Buffer.byteLength(message)} ${message}`));
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  it('syslog: a psql session reaches rsyslog as RFC 5424 messages with OCSF bodies, over TCP and over TLS (client certificate required)', async () => {
    const intruder = `<110>1 2026-01-01T00:00:00Z host intruder - - - {"no":"client certificate"}`;
    await sendWithoutClientCertificate(intruder);
    assert.equal(await psql('SELECT 41 + 1'), '42');
    assertSessionReceived(await rsyslogHasEverything(), 'SELECT 41 + 1');
    const overTls = await rsyslogHasEverything(tlsRsyslog);
    assertSessionReceived(overTls, 'SELECT 41 + 1');
    assert.ok(
      !(await tlsRsyslog.lines()).some((l) => l.includes('intruder')),
      'nothing from the client without a certificate',
    );
  });

  it('syslog: rsyslog stopped while events happen, then restarted: everything arrives, and psql never waited for it', async () => {
    await rsyslog.stop();
    // The data path does not wait for a forwarder's peer.
    assert.equal(await psql('SELECT 2'), '2');
    assert.equal(await psql('SELECT 3'), '3');
    const failing = await until('/health says the syslog forwarder is degraded', async () => {
      const h = await health();
      const f = h.forwarders.find((s) => s.name === 'rsyslog')!;
      return f.degraded && h.status === 'degraded' ? f : undefined;
    });
    assert.ok(failing.errors > 0);
    await rsyslog.start();
    const received = await rsyslogHasEverything();
    assert.ok(
      received.some((m) => (m.body.query_info as { query_string?: string })?.query_string === 'SELECT 3'),
    );
    await until('/health: the syslog forwarder is live again', async () => {
      const f = (await health()).forwarders.find((s) => s.name === 'rsyslog')!;
      return f.state === 'live' && !f.degraded;
    });
  });

  it('HEC: the endpoint answers 503 for a while, then recovers: no event lost, the token never logged', async () => {
    await until('the HEC forwarder tried and failed', () => hec.state.refused >= 2);
    const h = await health();
    assert.equal(h.forwarders.find((s) => s.name === 'splunk')!.state, 'failing');
    hec.state.down = false;
    const expected = storeEvents('json').map((e) => e.id as string);
    await until('the HEC endpoint has every event', () => {
      const ids = new Set(hec.state.envelopes.map((e) => (e.event as { id: string }).id));
      return expected.every((id) => ids.has(id));
    });
    assert.equal(
      hec.state.badAuth,
      0,
      'Authorization: Splunk <token> (Bearer for the generic one) on every request',
    );
    const ocsf = storeEvents('ocsf').map(uidOf);
    await until('the generic JSON endpoint has every OCSF event', () => {
      const uids = new Set(hec.state.generic.map(uidOf));
      return ocsf.every((u) => uids.has(u));
    });
    const envelope = hec.state.envelopes[0]!;
    assert.equal(envelope.source, 'portcullis');
    assert.equal(envelope.sourcetype, 'portcullis:json');
    assert.equal(envelope.host, 'gw-forwarders');
    assert.equal(typeof envelope.time, 'number');
    const metrics = await (await fetch(`http://127.0.0.1:${apiPort}/metrics`)).text();
    assert.match(metrics, /portcullis_forwarder_events_forwarded\{forwarder="splunk"\} [1-9]/);
    assert.match(metrics, /portcullis_forwarder_errors\{forwarder="splunk"\} [1-9]/);
    assert.match(metrics, /portcullis_forwarder_last_success_timestamp_seconds\{forwarder="splunk"\} \d/);
    assert.match(metrics, /^portcullis_anchor_sequence [1-9]/m, 'anchors signed');
    assert.ok(!serve.output().includes(HEC_TOKEN), 'the token is not in the log');
    assert.ok(!serve.output().includes(GENERIC_TOKEN));
  });

  it('a gateway restart resumes each forwarder from its checkpoint; the anchors that reached rsyslog verify the store', async () => {
    const last = storeEvents('json').at(-1)!.position as string;
    const atOrAfter = (p: string | undefined) => {
      if (!p) return false;
      const [a, b] = [p.split('/').map(BigInt), last.split('/').map(BigInt)];
      return a[0]! > b[0]! || (a[0] === b[0] && a[1]! >= b[1]!);
    };
    await until('every checkpoint is at the end', async () =>
      (await health()).forwarders.every((f) => atOrAfter(f.position)),
    );
    const before = new Set((await rsyslog.lines()).map((l) => uidOf(parseSyslog(l).body)));
    const linesBefore = (await rsyslog.lines()).length;
    assert.equal(await serve.stop('SIGTERM'), 0, serve.output());
    serve = await startServe(configFile);
    assert.equal(await psql('SELECT 4'), '4');
    const received = await rsyslogHasEverything();
    const repeated = received.slice(linesBefore).filter((m) => before.has(uidOf(m.body)));
    // Only what was in flight at the stop can come again: the anchor signed on the way down.
    assert.deepEqual(
      repeated.filter((m) => m.body.class_uid !== 1008).map((m) => m.msgid),
      [],
    );

    const anchors = received.filter((m) => m.body.class_uid === 1008);
    assert.ok(anchors.length > 0, 'anchors left through the forwarder');
    const verify = spawnSync(
      process.execPath,
      [
        PORTCULLIS_BIN,
        'audit',
        'verify',
        '--config',
        storeConfig,
        '--anchors',
        rsyslog.outFile,
        '--public-key',
        join(dir.path, 'data', 'audit-anchor-ed25519.pem.pub'),
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /anchors matched/);
  });
});
