import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { contentHash, linkHash, sessionStream, type EventMetadata, type Identity } from '@portcullis/events';
import { openSqlEventStore, type EventStore } from '@portcullis/eventstore';
import { SessionRecorder } from '@portcullis/session';
import { startPostgres, tempDir, type PostgresServer, type TempDir } from '@portcullis/test-support';
import { createLogger } from '../../logging/logger.js';
import { runCli } from '../../cli/testing/run-cli.js';
import { AnchorSigner } from './anchor-signer.js';

/**
 * Signed anchors against tampering on a real PostgreSQL store: sessions
 * recorded by the real recorder while the anchor signer runs, the anchors
 * exported the way a SIEM has them (`events tail --format ocsf`), then each
 * kind of tampering done in the store's tables of a copy of the database —
 * and `portcullis audit verify --anchors` reports each, where the hash chain
 * alone sees none of them.
 */
const agent: Identity = {
  subject: 'agent-sp',
  issuer: 'https://issuer.test',
  kind: 'service_principal',
  groups: [],
  roles: [],
};

async function recordSession(store: EventStore, statements: number): Promise<string> {
  const sessionId = randomUUID();
  const recorder = await SessionRecorder.open(
    store,
    {
      sessionId,
      identity: agent,
      target: { name: 'prod-db', protocol: 'postgres', labels: {} },
      protocol: 'postgres',
      clientAddress: '127.0.0.1',
      policyRevision: 'r1',
    } as Parameters<typeof SessionRecorder.open>[1],
    { actor: agent.subject, gatewayInstance: 'gw-anchor-test' },
  );
  for (let i = 0; i < statements; i++) {
    const command = await recorder.decide(
      { protocol: 'postgres', text: `SELECT ${i}`, classification: {} },
      { outcome: 'allow', reasons: [], policyRevision: 'r1', decisionId: 'd', evaluationMicros: 1 },
    );
    await recorder.forwarded(command);
    await recorder.completed(command, { rows: 1, durationMs: 1, commandTag: 'SELECT 1' });
  }
  await recorder.close({
    reason: 'done',
    bytesFromClient: 0,
    bytesToClient: 0,
    durationMs: 1,
    commands: statements,
  });
  return sessionId;
}

interface Report {
  breaks: unknown[];
  anchors: { anchors: number; matched: number; findings: { problem: string; sequence: number }[] };
}

describe('audit verify --anchors (PostgreSQL)', () => {
  let postgres: PostgresServer;
  let dir: TempDir;
  let admin: pg.Client;
  let anchorsFile: string;
  let publicKey: string;
  const sessions: string[] = [];

  /** A copy of the recorded database, to tamper with. */
  async function copy(name: string): Promise<{ config: string; db: pg.Client }> {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE recorded`);
    const config = join(dir.path, `${name}.yaml`);
    await writeFile(config, `store: { kind: postgres, url: "${postgres.url(name)}" }\n`);
    const db = new pg.Client({ connectionString: postgres.url(name) });
    await db.connect();
    return { config, db };
  }

  async function verify(config: string): Promise<{ status: number; report: Report; text: string }> {
    const json = await runCli([
      'audit',
      'verify',
      '--config',
      config,
      '--anchors',
      anchorsFile,
      '--public-key',
      publicKey,
      '--json',
    ]);
    const text = await runCli([
      'audit',
      'verify',
      '--config',
      config,
      '--anchors',
      anchorsFile,
      '--public-key',
      publicKey,
    ]);
    assert.equal(json.status, text.status, json.stderr);
    return { status: json.status, report: JSON.parse(json.stdout) as Report, text: text.stdout };
  }

  before(async () => {
    dir = await tempDir('portcullis-anchors-');
    postgres = await startPostgres();
    admin = new pg.Client({ connectionString: postgres.url() });
    await admin.connect();
    await admin.query('CREATE DATABASE recorded');
    const opened = await openSqlEventStore({ kind: 'postgres', url: postgres.url('recorded') });
    const keyFile = join(dir.path, 'anchor.pem');
    publicKey = `${keyFile}.pub`;
    const signer = new AnchorSigner(
      opened.store,
      { instance: 'gw-anchor-test', keyFile, everyEvents: 7, everySeconds: 3600 },
      createLogger('silent', 'test'),
    );
    await signer.start();
    for (const statements of [2, 3, 1]) sessions.push(await recordSession(opened.store, statements));
    await signer.stop(); // signs what is left
    assert.ok(signer.status().sequence >= 3, 'several anchors: every 7 events and one at stop');
    await opened.store.close();
    // What left the machine: the OCSF stream, as a SIEM stored it.
    const config = join(dir.path, 'recorded.yaml');
    await writeFile(config, `store: { kind: postgres, url: "${postgres.url('recorded')}" }\n`);
    const exported = await runCli(['events', 'tail', '--config', config, '--format', 'ocsf']);
    assert.equal(exported.status, 0, exported.stderr);
    anchorsFile = join(dir.path, 'siem-export.jsonl');
    await writeFile(anchorsFile, exported.stdout);
  });

  after(async () => {
    await admin?.end();
    await postgres?.stop();
    await dir?.remove();
  });

  it('an untampered store matches every anchor', async () => {
    const { config, db } = await copy('untouched');
    await db.end();
    const { status, report, text } = await verify(config);
    assert.equal(status, 0, text);
    assert.ok(report.anchors.anchors >= 3);
    assert.equal(report.anchors.matched, report.anchors.anchors);
    assert.match(text, /^COVERED up to position \d+\/\d+/m);
    assert.match(text, /^OK: /m);
  });

  it('reports a stream whose last events were deleted (the chain alone cannot see it)', async () => {
    const { config, db } = await copy('truncated');
    const stream = sessionStream(sessions[1]!);
    await db.query(
      `DELETE FROM portcullis_events WHERE stream_name = $1 AND stream_revision >= (SELECT max(stream_revision) - 1 FROM portcullis_events WHERE stream_name = $1)`,
      [stream],
    );
    await db.end();
    const { status, report, text } = await verify(config);
    assert.equal(status, 1, text);
    assert.deepEqual(report.breaks, [], 'the hash chain of what is left is intact');
    assert.ok(
      report.anchors.findings.some((f) => f.problem === 'stream_truncated'),
      text,
    );
    assert.match(text, /stream_truncated: 2 event\(s\) missing/);
  });

  it('reports a rewritten event, re-hashed so that its chain still verifies', async () => {
    const { config, db } = await copy('rewritten');
    const stream = sessionStream(sessions[0]!);
    const { rows } = await db.query<{
      stream_revision: string;
      event_id: string;
      event_type: string;
      schema_version: number;
      data: { reason: string };
      metadata: EventMetadata;
    }>(
      `SELECT stream_revision, event_id, event_type, schema_version, data, metadata FROM portcullis_events WHERE stream_name = $1 ORDER BY stream_revision DESC LIMIT 1`,
      [stream],
    );
    const last = rows[0]!;
    assert.equal(last.event_type, 'SessionClosed');
    const data = { ...last.data, reason: 'nothing happened here' };
    const hash = linkHash(
      last.metadata.prevHash,
      Number(last.stream_revision),
      contentHash({
        streamName: stream,
        id: last.event_id,
        type: last.event_type,
        schemaVersion: last.schema_version,
        data,
        metadata: last.metadata,
      }),
    );
    await db.query(`UPDATE portcullis_events SET data = $1, hash = $2 WHERE event_id = $3`, [
      data,
      hash,
      last.event_id,
    ]);
    await db.query(`UPDATE portcullis_streams SET last_hash = $1 WHERE stream_name = $2`, [hash, stream]);
    await db.end();
    const { status, report, text } = await verify(config);
    assert.equal(status, 1, text);
    assert.deepEqual(report.breaks, [], 'the rewrite was re-hashed: the chain verifies');
    assert.ok(
      report.anchors.findings.some((f) => f.problem === 'heads_differ'),
      text,
    );
  });

  it('leaves an edit inside a chain, not re-hashed, to the chain (the anchored head pins it)', async () => {
    const { config, db } = await copy('edited');
    await db.query(
      `UPDATE portcullis_events SET data = jsonb_set(data, '{text}', '"SELECT 42"') WHERE stream_name = $1 AND event_type = 'CommandReceived'`,
      [sessionStream(sessions[2]!)],
    );
    await db.end();
    const { status, report, text } = await verify(config);
    assert.equal(status, 1, text);
    assert.equal(report.breaks.length, 1, 'hash_mismatch at the edited event');
    // Re-hashing it would change every later hash up to the head, which the anchors hold (the test above).
    assert.deepEqual(report.anchors.findings, []);
  });

  it('reports a deleted stream', async () => {
    const { config, db } = await copy('deleted');
    const stream = sessionStream(sessions[2]!);
    await db.query(`DELETE FROM portcullis_events WHERE stream_name = $1`, [stream]);
    await db.query(`DELETE FROM portcullis_streams WHERE stream_name = $1`, [stream]);
    await db.end();
    const { status, report, text } = await verify(config);
    assert.equal(status, 1, text);
    assert.deepEqual(report.breaks, []);
    assert.ok(
      report.anchors.findings.some((f) => f.problem === 'stream_deleted'),
      text,
    );
  });

  it('refuses anchors not signed by the key given', async () => {
    const { config, db } = await copy('otherkey');
    await db.end();
    const other = join(dir.path, 'other.pem');
    const { generateKeyPairSync } = await import('node:crypto');
    const pair = generateKeyPairSync('ed25519', {
      privateKeyEncoding: { format: 'pem', type: 'pkcs8' },
      publicKeyEncoding: { format: 'pem', type: 'spki' },
    });
    await writeFile(other, pair.publicKey);
    const result = await runCli([
      'audit',
      'verify',
      '--config',
      config,
      '--anchors',
      anchorsFile,
      '--public-key',
      other,
    ]);
    assert.equal(result.status, 1);
    assert.match(result.stdout, /bad_signature/);
    assert.match(result.stdout, /none with a valid signature/);
  });
});
