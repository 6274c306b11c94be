import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SessionRecorder } from '@portcullis/session';
import { openSqlEventStore } from '@portcullis/eventstore';
import { tempDir } from '@portcullis/test-support';
import { runCli } from './testing/run-cli.js';

const portcullis = runCli;

/** Strict asciicast v2: a header object, then [time, code, data] lines with non-decreasing times. */
export function assertAsciicastV2(text: string): {
  header: Record<string, unknown>;
  events: [number, string, string][];
} {
  assert.ok(text.endsWith('\n'), 'no final newline');
  const lines = text.slice(0, -1).split('\n');
  const header = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
  assert.equal(header.version, 2);
  for (const key of ['width', 'height', 'timestamp'] as const)
    assert.ok(
      Number.isInteger(header[key]) && (header[key] as number) > 0,
      `header.${key}: ${String(header[key])}`,
    );
  const events = lines.slice(1).map((line) => JSON.parse(line) as [number, string, string]);
  let last = 0;
  for (const e of events) {
    assert.ok(Array.isArray(e) && e.length === 3, `not an event: ${JSON.stringify(e)}`);
    assert.ok(typeof e[0] === 'number' && e[0] >= last, `time goes backwards: ${JSON.stringify(e)}`);
    assert.ok(['o', 'i', 'r', 'm'].includes(e[1]), `unknown code ${e[1]}`);
    assert.equal(typeof e[2], 'string');
    if (e[1] === 'r') assert.match(e[2], /^\d+x\d+$/);
    last = e[0];
  }
  return { header, events };
}

describe('portcullis replay', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const sessionId = randomUUID();
  before(async () => {
    dir = await tempDir('portcullis-replay-');
    const opened = await openSqlEventStore({ kind: 'pglite', dataDir: join(dir.path, 'data') });
    const recorder = await SessionRecorder.open(
      opened.store,
      {
        sessionId,
        identity: {
          subject: 'agent',
          issuer: 'https://issuer.test',
          kind: 'service_principal',
          groups: [],
          roles: [],
        },
        target: { name: 'web-1', protocol: 'ssh', labels: {} },
        protocol: 'ssh',
        clientAddress: '127.0.0.1',
        policyRevision: 'r1',
      } as Parameters<typeof SessionRecorder.open>[1],
      { actor: 'agent', gatewayInstance: 'gw-test' },
    );
    await recorder.output({
      channel: 0,
      startOffsetSeconds: 0.5,
      frames: [
        [0, 'r', '90x25'],
        [0.01, 'o', 'root@host:~# '],
        [0.2, 'o', 'echo hi\r\nhi\r\n'],
      ],
      bytes: 27,
    });
    await recorder.output({ channel: 0, startOffsetSeconds: 0.5, frames: [[0.3, 'o', 'bye\r\n']], bytes: 5 });
    await recorder.close({
      reason: 'client_disconnected',
      bytesFromClient: 1,
      bytesToClient: 1,
      durationMs: 1,
      commands: 0,
    });
    await opened.store.close();
  });
  after(() => dir.remove());

  it('--asciicast writes a valid asciicast v2 file', async () => {
    const result = await portcullis([
      'replay',
      sessionId,
      '--asciicast',
      '--data-dir',
      join(dir.path, 'data'),
    ]);
    assert.equal(result.status, 0, result.stderr);
    const file = join(dir.path, 'out.cast');
    await writeFile(file, result.stdout);
    const { header, events } = assertAsciicastV2(await readFile(file, 'utf8'));
    assert.deepEqual([header.width, header.height], [90, 25]);
    assert.deepEqual(events, [
      [0.01, 'o', 'root@host:~# '],
      [0.2, 'o', 'echo hi\r\nhi\r\n'],
      [0.3, 'o', 'bye\r\n'],
    ]);
  });

  it('plays the output on the terminal (idle time capped)', async () => {
    const result = await portcullis([
      'replay',
      `session-${sessionId}`,
      '--max-idle',
      '0',
      '-d',
      join(dir.path, 'data'),
    ]);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'root@host:~# echo hi\r\nhi\r\nbye\r\n');
  });

  it('a session that does not exist exits 1 with a clear message', async () => {
    const missing = randomUUID();
    const result = await portcullis(['replay', missing, '--asciicast', '-d', join(dir.path, 'data')]);
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, `portcullis: no session ${missing} in the store\n`);
  });

  it('a bad --speed is a usage error (exit 2)', async () => {
    const result = await portcullis(['replay', sessionId, '--speed', '0', '-d', join(dir.path, 'data')]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--speed must be a positive number/);
  });
});
