import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { runApprovalCommand, StoreApprovalGate } from '@portcullis/session';
import type { ApprovalRequestedData, RecordedEvent } from '@portcullis/events';
import { startSshProxy, type SshProxy } from './ssh-proxy-server.js';
import { DEPLOYER, PROD_HOST, startProxyWorld, type ProxyWorld } from './testing/proxy-fixture.js';

/**
 * An exec command that policy sends for review waits for a human: the
 * shipped production profile reviews programs it does not know to be
 * read-only (`touch`). A real sshd is checked for what ran.
 */
describe('SSH exec pauses for approval (real sshd)', () => {
  let world: ProxyWorld;
  let gate: StoreApprovalGate;
  let proxy: SshProxy;
  const seen = new Set<string>();
  before(async () => {
    world = await startProxyWorld();
    gate = await StoreApprovalGate.start({ store: world.store, gatewayInstance: 'gw-int-test' });
    proxy = await startSshProxy({ ...world.options, approvals: gate });
  });
  after(async () => {
    await proxy?.close();
    await gate?.close();
    await world?.stop();
  });

  interface Run {
    readonly done: Promise<{ code: number | null; stderr: string }>;
    readonly stderr: () => string;
  }

  async function startExec(command: string): Promise<Run> {
    const password = await world.oidc.issueToken(DEPLOYER);
    const client = new ssh2.Client();
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('error', reject);
      client.connect({
        host: '127.0.0.1',
        port: proxy.address.port,
        username: PROD_HOST,
        password,
        tryKeyboard: false,
      });
    });
    let stderr = '';
    const done = new Promise<{ code: number | null; stderr: string }>((resolve, reject) =>
      client.exec(command, (error, stream) => {
        if (error) return reject(error);
        let code: number | null = null;
        stream.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        stream.on('data', () => undefined);
        stream.on('exit', (exitCode: number | null) => (code = exitCode));
        stream.on('close', () => {
          client.end();
          resolve({ code, stderr });
        });
      }),
    );
    return { done, stderr: () => stderr };
  }

  async function nextRequest(): Promise<ApprovalRequestedData> {
    for (let i = 0; i < 200; i++) {
      const requests: RecordedEvent[] = await world.store.readAll({
        filter: { eventTypes: ['ApprovalRequested'] },
      });
      const fresh = requests.find((e) => !seen.has(e.streamName));
      if (fresh) {
        seen.add(fresh.streamName);
        return fresh.data as ApprovalRequestedData;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('no ApprovalRequested appeared');
  }

  const approverOf = (request: ApprovalRequestedData) => ({
    subject: 'sre-alice',
    issuer: world.oidc.issuer,
    groups: [...request.approverGroups],
  });

  it('runs the command only once it is granted, and says where to decide it', async () => {
    const marker = `/tmp/portcullis-approved-${process.pid}`;
    await rm(marker, { force: true });
    const run = await startExec(`touch ${marker}`);
    const request = await nextRequest();
    assert.equal(request.text, `touch ${marker}`);
    for (let i = 0; i < 100 && !run.stderr().includes(request.approvalId); i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.match(run.stderr(), new RegExp(`portcullis: approval ${request.approvalId} required`));
    assert.equal(existsSync(marker), false, 'nothing ran while waiting');
    await runApprovalCommand(
      world.store,
      request.approvalId,
      { kind: 'grant', by: approverOf(request) },
      {
        actor: 'sre-alice',
        gatewayInstance: 'gw-other',
      },
    );
    const result = await run.done;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(existsSync(marker), true);
    await rm(marker, { force: true });
  });

  it('answers exit 126 when the approval is denied, and the command never runs', async () => {
    const marker = `/tmp/portcullis-denied-${process.pid}`;
    await rm(marker, { force: true });
    const run = await startExec(`touch ${marker}`);
    const request = await nextRequest();
    await runApprovalCommand(
      world.store,
      request.approvalId,
      { kind: 'deny', by: approverOf(request) },
      {
        actor: 'sre-alice',
        gatewayInstance: 'gw-other',
      },
    );
    const result = await run.done;
    assert.equal(result.code, 126);
    assert.match(result.stderr, new RegExp(`portcullis: denied: approval ${request.approvalId} denied`));
    assert.equal(existsSync(marker), false);
  });
});
