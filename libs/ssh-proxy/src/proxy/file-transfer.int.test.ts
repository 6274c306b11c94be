import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { OPENSSH_TOKEN_OPTIONS } from '@portcullis/test-support';
import { after, before, describe, it } from 'node:test';
import type { RecordedEvent } from '@portcullis/events';
import { DEPLOYER, DEV_HOST, PROD_HOST, startProxyWorld, type ProxyWorld } from './testing/proxy-fixture.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('file transfer through the SSH proxy: real sftp and scp clients, OpenSSH sshd upstream', () => {
  let world: ProxyWorld;
  let local: string;
  /** Upstream paths live under /dev/shm so the test can look at the host's side directly. */
  let remote: string;
  before(async () => {
    world = await startProxyWorld();
    local = join(world.dir, 'local');
    remote = `/dev/shm/portcullis-transfer-${process.pid}`;
    await mkdir(local, { recursive: true });
    await mkdir(remote, { recursive: true });
  });
  after(async () => {
    await world.stop();
    await rm(remote, { recursive: true, force: true });
  });

  async function client(program: 'sftp' | 'scp', args: string[]): Promise<Run> {
    const env = { ...process.env, SSHPASS: await world.oidc.issueToken(DEPLOYER) };
    // sftp -b implies BatchMode, which would skip the password sshpass answers.
    const port = [
      '-P',
      String(world.proxy.address.port),
      ...(program === 'sftp' ? ['-o', 'BatchMode=no'] : []),
    ];
    return new Promise((resolve) =>
      execFile(
        'sshpass',
        ['-e', program, ...OPENSSH_TOKEN_OPTIONS, ...port, ...args],
        { env, timeout: 30_000 },
        (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr }),
      ),
    );
  }

  async function sftpBatch(target: string, commands: string[]): Promise<Run> {
    const batch = join(local, `batch-${Math.random().toString(36).slice(2)}`);
    await writeFile(batch, commands.join('\n') + '\n');
    return client('sftp', ['-b', batch, `${target}@127.0.0.1`]);
  }

  async function sessionWith(text: string): Promise<RecordedEvent[]> {
    for (let i = 0; i < 100; i++) {
      const all = await world.store.readAll({ filter: { streamPrefixes: ['session-'] } });
      const streams = new Map<string, RecordedEvent[]>();
      for (const e of all) streams.set(e.streamName, [...(streams.get(e.streamName) ?? []), e]);
      for (const events of streams.values()) {
        const hit = events.some(
          (e) => e.type === 'CommandReceived' && (e.data as { text: string }).text === text,
        );
        if (hit && events.at(-1)?.type === 'SessionClosed') return events;
      }
      await delay(100);
    }
    assert.fail(`no closed session recorded ${JSON.stringify(text)}`);
  }

  /** Per command sequence: its text, outcome and how it ended. */
  function commands(events: RecordedEvent[]) {
    const bySequence = new Map<number, { text?: string; outcome?: string; tag?: string; blocked?: string }>();
    for (const e of events) {
      const data = e.data as {
        sequence?: number;
        text?: string;
        outcome?: string;
        commandTag?: string;
        reason?: string;
      };
      if (data.sequence === undefined) continue;
      const entry = bySequence.get(data.sequence) ?? {};
      if (e.type === 'CommandReceived') entry.text = data.text;
      if (e.type === 'CommandDecided') entry.outcome = data.outcome;
      if (e.type === 'CommandCompleted') entry.tag = data.commandTag;
      if (e.type === 'CommandBlocked') entry.blocked = data.reason;
      bySequence.set(data.sequence, entry);
    }
    return [...bySequence.values()];
  }

  it('sftp: put and get work; each open is decided, written ahead and completed with its size', async () => {
    await writeFile(join(local, 'up.txt'), 'uploaded through sftp\n');
    const result = await sftpBatch(DEV_HOST, [
      `put ${join(local, 'up.txt')} ${remote}/up.txt`,
      `get ${remote}/up.txt ${join(local, 'down.txt')}`,
      `mkdir ${remote}/made`,
      `rename ${remote}/up.txt ${remote}/made/moved.txt`,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await readFile(`${remote}/made/moved.txt`, 'utf8'), 'uploaded through sftp\n');
    assert.equal(await readFile(join(local, 'down.txt'), 'utf8'), 'uploaded through sftp\n');
    const events = await sessionWith(`sftp put ${remote}/up.txt`);
    const done = commands(events);
    assert.deepEqual(
      done.map((c) => [c.text, c.outcome, c.tag]),
      [
        [`sftp put ${remote}/up.txt`, 'allow', 'wrote 22 bytes'],
        [`sftp get ${remote}/up.txt`, 'allow', 'read 22 bytes'],
        [`sftp mkdir ${remote}/made`, 'allow', 'ok'],
        [`sftp rename ${remote}/up.txt ${remote}/made/moved.txt`, 'allow', 'ok'],
      ],
    );
  });

  it('sftp: a refused put or remove answers permission denied and never reaches the host', async () => {
    await writeFile(join(local, 'nope.txt'), 'must not arrive\n');
    await writeFile(`${remote}/keep.txt`, 'keep me\n');
    const put = await sftpBatch(PROD_HOST, [`put ${join(local, 'nope.txt')} ${remote}/nope.txt`]);
    assert.notEqual(put.code, 0);
    assert.match(put.stderr, /Permission denied|portcullis: denied/);
    assert.equal(existsSync(`${remote}/nope.txt`), false, 'a refused sftp put reached the host');
    const remove = await sftpBatch(PROD_HOST, [`rm ${remote}/keep.txt`]);
    assert.notEqual(remove.code, 0);
    assert.equal(
      await readFile(`${remote}/keep.txt`, 'utf8'),
      'keep me\n',
      'a refused sftp rm reached the host',
    );
    const events = await sessionWith(`sftp rm ${remote}/keep.txt`);
    assert.deepEqual(
      commands(events).map((c) => [c.text, c.outcome]),
      [[`sftp rm ${remote}/keep.txt`, 'review']],
    );
    assert.match(commands(events)[0]?.blocked ?? '', /approval required/);
  });

  it('modern scp (SFTP protocol) uploads through the same decisions', async () => {
    await writeFile(join(local, 'modern.txt'), 'modern scp\n');
    const result = await client('scp', [
      join(local, 'modern.txt'),
      `${DEV_HOST}@127.0.0.1:${remote}/modern.txt`,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await readFile(`${remote}/modern.txt`, 'utf8'), 'modern scp\n');
    await sessionWith(`sftp put ${remote}/modern.txt`);
  });

  it('legacy scp -O: upload and download, every file and size recorded', async () => {
    await mkdir(join(local, 'tree', 'sub'), { recursive: true });
    await writeFile(join(local, 'tree', 'a.txt'), 'aaaa\n');
    await writeFile(join(local, 'tree', 'sub', 'b.txt'), 'bb\n');
    const up = await client('scp', ['-O', '-r', join(local, 'tree'), `${DEV_HOST}@127.0.0.1:${remote}/`]);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(await readFile(`${remote}/tree/sub/b.txt`, 'utf8'), 'bb\n');
    const down = await client('scp', [
      '-O',
      `${DEV_HOST}@127.0.0.1:${remote}/tree/a.txt`,
      join(local, 'a-back.txt'),
    ]);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(await readFile(join(local, 'a-back.txt'), 'utf8'), 'aaaa\n');

    const upload = commands(await sessionWith(`scp put ${remote}/`));
    // The source sends a directory's files in readdir order: compare as sets.
    assert.deepEqual(
      [upload[0], ...upload.slice(1).sort((x, y) => (x.text ?? '').localeCompare(y.text ?? ''))].map((c) => [
        c?.text,
        c?.outcome,
      ]),
      [
        [`scp put ${remote}/`, 'allow'],
        [`scp put ${remote}/ tree/a.txt`, 'allow'],
        [`scp put ${remote}/ tree/sub/b.txt`, 'allow'],
      ],
    );
    assert.match(upload[0]?.tag ?? '', /^received 8 bytes: .*tree\/a.txt \(5 bytes\)/);
    assert.match(upload[0]?.tag ?? '', /tree\/sub\/b.txt \(3 bytes\).*; exit 0$/);
    const download = commands(await sessionWith(`scp get ${remote}/tree/a.txt`));
    assert.match(download[0]?.tag ?? '', /^sent 5 bytes: a.txt \(5 bytes\); exit 0$/);
  });

  it('legacy scp -O: a refused upload never reaches the host', async () => {
    await writeFile(join(local, 'denied.txt'), 'no\n');
    const result = await client('scp', [
      '-O',
      join(local, 'denied.txt'),
      `${PROD_HOST}@127.0.0.1:${remote}/denied.txt`,
    ]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /portcullis: denied: approval required/);
    assert.equal(existsSync(`${remote}/denied.txt`), false, 'a refused scp upload reached the host');
  });
});
