/**
 * The first minute of a newcomer: `portcullis demo` (what `npm start` runs
 * after the build) in an empty directory, then exactly what it prints: real
 * psql with a token from `portcullis token --dev`, a masked SELECT, a denied
 * DROP (the table stays), and a DELETE without WHERE that waits until
 * `portcullis approvals grant` releases it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { rm } from 'node:fs/promises';
import { demoClusterDir } from '@portcullis/gateway';
import { freePort, postgresBinDir, tempDir, PORTCULLIS_BIN, type TempDir } from '@portcullis/test-support';

describe('npm start with no config: the demo', () => {
  let dir: TempDir;
  let demo: ChildProcess;
  let output = '';
  let apiPort: number;
  let targetPort: number;

  before(async () => {
    dir = await tempDir('portcullis-demo-');
    [apiPort, targetPort] = [await freePort(), await freePort()];
    demo = spawn(
      process.execPath,
      [PORTCULLIS_BIN, 'demo', '--api-listen', `127.0.0.1:${apiPort}`, '--listen', `127.0.0.1:${targetPort}`],
      { cwd: dir.path, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    demo.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    demo.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 60_000;
    while (!/Who may do what/.test(output)) {
      if (demo.exitCode !== null || Date.now() > deadline) assert.fail(`the demo did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(async () => {
    if (demo && demo.exitCode === null) {
      demo.kill('SIGTERM');
      await new Promise((r) => demo.once('exit', r));
    }
    if (dir) await rm(demoClusterDir(join(dir.path, 'data')), { recursive: true, force: true });
    await dir?.remove();
  });

  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [PORTCULLIS_BIN, ...args], {
      cwd: dir.path,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
  const token = (...args: string[]) => {
    const result = cli(['token', '--dev', ...args]);
    assert.equal(result.status, 0, result.stderr);
    return result.stdout.trim();
  };

  /** The connection string the demo printed, run by real psql with `-Atc`. */
  async function psql(sql: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const printed = /psql "([^"]+)"/.exec(output);
    assert.ok(printed, `no psql line in:\n${output}`);
    try {
      const { stdout, stderr } = await promisify(execFile)(
        join(postgresBinDir(), 'psql'),
        [printed[1]!, '-Atc', sql],
        {
          env: { ...process.env, PGPASSWORD: token() },
          timeout: 60_000,
        },
      );
      return { code: 0, stdout: stdout.trim(), stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout.trim(), stderr: e.stderr };
    }
  }

  it('prints what to paste; marked development only, on loopback', () => {
    assert.match(output, /DEVELOPMENT ONLY/);
    assert.match(
      output,
      new RegExp(
        `PGPASSWORD="\\$\\(npx portcullis token --dev\\)" psql "host=127\\.0\\.0\\.1 port=${targetPort} dbname=demo`,
      ),
    );
    assert.match(output, /approvals grant/);
  });

  it('a SELECT comes back masked, in columns and in free text', async () => {
    const result = await psql('SELECT email, ssn, card_number, note FROM customers ORDER BY id');
    assert.equal(result.code, 0, result.stderr);
    for (const raw of [
      'ada@example.com',
      '123-45-6789',
      '4111 1111 1111 1111',
      '4012888888881881',
      '078-05-1120',
    ]) {
      assert.ok(!result.stdout.includes(raw), `${raw} came through:\n${result.stdout}`);
    }
    assert.match(result.stdout, /\*\*\*@example\.com/);
  });

  it('a DROP is denied and the table stays', async () => {
    const dropped = await psql('DROP TABLE orders');
    assert.notEqual(dropped.code, 0);
    assert.match(dropped.stderr, /portcullis: denied: .*drop is not allowed/);
    assert.equal((await psql('SELECT count(*) FROM orders')).stdout, '3');
  });

  it('a DELETE without WHERE waits for approval; portcullis approvals grant releases it', async () => {
    const running = psql('DELETE FROM sessions_log');
    const approver = { PORTCULLIS_TOKEN: token('--app', 'demo-approver', '--groups', 'demo-approvers') };
    const api = ['--api', `http://127.0.0.1:${apiPort}`];
    let id: string | undefined;
    const deadline = Date.now() + 20_000;
    while (!id) {
      const list = cli(['approvals', 'list', ...api], approver);
      assert.equal(list.status, 0, list.stderr);
      id = /^([0-9a-f-]{36})\s+pending/m.exec(list.stdout)?.[1];
      if (!id && Date.now() > deadline) assert.fail(`no pending approval:\n${list.stdout}`);
      if (!id) await new Promise((r) => setTimeout(r, 200));
    }
    const grant = cli(['approvals', 'grant', id, ...api, '--comment', 'demo'], approver);
    assert.equal(grant.status, 0, grant.stderr);
    const result = await running;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /DELETE 2/);
    assert.equal((await psql('SELECT count(*) FROM sessions_log')).stdout, '0');
  });
});
