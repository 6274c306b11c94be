import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PendingApproval } from '@portcullis/session';
import {
  startOidcProvider,
  startPostgres,
  type OidcProvider,
  type PostgresServer,
} from '@portcullis/test-support';
import { completeConfig } from '../config/load-config.js';
import { startGateway, type Gateway } from '../create-gateway.js';
import { createLogger } from '../logging/logger.js';
import { openRuntime, type GatewayRuntime } from '../runtime/gateway-runtime.js';
import { signWebhook } from './approval-webhook.js';

/**
 * The approvals API and webhook in one gateway: a real OIDC provider issues
 * the approvers' tokens, a real HTTP server receives the signed webhooks,
 * and requests come from the runtime's approval gate exactly as a proxy
 * makes them.
 */
const SECRET = 'webhook-secret-0123456789';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

describe('approvals API and webhook', () => {
  let postgres: PostgresServer;
  let oidc: OidcProvider;
  let receiver: Server;
  const deliveries: Delivery[] = [];
  let runtime: GatewayRuntime;
  let gateway: Gateway;

  before(async () => {
    [postgres, oidc] = await Promise.all([
      startPostgres(),
      startOidcProvider({
        clients: [
          { clientId: 'agent' },
          { clientId: 'approver-1', groups: ['dba-oncall'] },
          { clientId: 'approver-2', groups: ['dba-oncall'] },
        ],
      }),
    ]);
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        deliveries.push({ headers: request.headers, body });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const config = completeConfig(
      {
        instance: 'gw-api-test',
        api: { listen: '127.0.0.1:0' },
        store: { kind: 'postgres', url: postgres.url() },
        issuers: [{ issuer: oidc.issuer, audiences: [oidc.audience], jwksUrl: oidc.jwksUrl }],
        approvals: {
          publicUrl: 'https://portcullis.example/',
          webhook: {
            url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
            secret: SECRET,
          },
        },
      },
      'test',
      process.cwd(),
    );
    runtime = await openRuntime(config, createLogger('silent', config.instance));
    gateway = await startGateway(runtime);
  });

  after(async () => {
    await gateway?.close();
    await runtime?.close();
    receiver?.close();
    await oidc?.stop();
    await postgres?.stop();
  });

  async function request(minApprovals = 1): Promise<PendingApproval> {
    const agent = await runtime.tokens!.verify(await oidc.issueToken('agent'));
    assert.ok(agent.ok);
    return runtime.approvals.request({
      scope: 'command',
      sessionId: 'session-api-test',
      sequence: 1,
      requester: agent.identity,
      targetName: 'prod-db',
      text: 'ALTER TABLE accounts ADD COLUMN note text',
      reason: 'alter needs approval',
      approverGroups: ['dba-oncall'],
      minApprovals,
      ttlSeconds: 300,
    });
  }

  async function call(method: string, path: string, client?: string, body?: unknown) {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: {
        ...(client ? { authorization: `Bearer ${await oidc.issueToken(client)}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: (await response.json()) as Record<string, unknown>,
    };
  }

  async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
    let value = await read();
    for (let i = 0; i < 200 && !ok(value); i++) {
      await new Promise((r) => setTimeout(r, 25));
      value = await read();
    }
    return value;
  }

  it('posts a signed webhook for a request, with links to decide it', async () => {
    const pending = await request();
    const delivery = await eventually(
      async () => deliveries.find((d) => d.body.includes(pending.approvalId)),
      (d) => d !== undefined,
    );
    assert.ok(delivery, 'the receiver got the request');
    assert.equal(delivery.headers['x-portcullis-event'], 'approval.requested');
    const signature = String(delivery.headers['x-portcullis-signature']);
    const t = Number(/^t=(\d+),/.exec(signature)?.[1]);
    assert.equal(signature, signWebhook(SECRET, delivery.body, t), 'the signature verifies with the secret');
    assert.notEqual(signature, signWebhook('another-secret-0123456789', delivery.body, t));
    const payload = JSON.parse(delivery.body) as {
      type: string;
      data: { text: string };
      links: { grant: string };
    };
    assert.equal(payload.type, 'approval.requested');
    assert.equal(payload.data.text, 'ALTER TABLE accounts ADD COLUMN note text');
    assert.equal(payload.links.grant, `https://portcullis.example/api/approvals/${pending.approvalId}/grant`);
    await pending.cancel('test over');
  });

  it('lists pending approvals for an authenticated caller only', async () => {
    const pending = await request();
    const anonymous = await call('GET', '/api/approvals?status=pending');
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.type, 'application/problem+json; charset=utf-8');
    const forged = await fetch(`${gateway.url}/api/approvals`, {
      headers: { authorization: 'Bearer not-a-jwt' },
    });
    assert.equal(forged.status, 401);
    const listed = await eventually(
      () => call('GET', '/api/approvals?status=pending', 'approver-1'),
      (r) => (r.body.items as { approvalId: string }[]).some((a) => a.approvalId === pending.approvalId),
    );
    assert.equal(listed.status, 200);
    const bad = await call('GET', '/api/approvals?status=maybe', 'approver-1');
    assert.equal(bad.status, 400);
    await pending.cancel('test over');
  });

  it('needs min_approvals distinct approvers; the read model says who and how long it took', async () => {
    const pending = await request(2);
    const first = await call('POST', `/api/approvals/${pending.approvalId}/grant`, 'approver-1', {
      comment: 'ok',
    });
    assert.deepEqual(first.body, {
      approvalId: pending.approvalId,
      status: 'pending',
      grants: 1,
      minApprovals: 2,
    });
    const repeat = await call('POST', `/api/approvals/${pending.approvalId}/grant`, 'approver-1');
    assert.equal(repeat.status, 200, 'the same grant twice is idempotent');
    assert.equal(repeat.body.grants, 1);
    const second = await call('POST', `/api/approvals/${pending.approvalId}/grant`, 'approver-2');
    assert.equal(second.body.status, 'granted');
    const outcome = await pending.outcome;
    assert.equal(outcome.status, 'granted');
    const view = await eventually(
      () => call('GET', `/api/approvals/${pending.approvalId}`, 'approver-1'),
      (r) => r.body.status === 'granted',
    );
    assert.deepEqual(
      (view.body.grantedBy as { subject: string }[]).map((g) => g.subject),
      ['approver-1', 'approver-2'],
    );
    assert.equal(typeof view.body.timeToDecisionMs, 'number');
    assert.equal(view.body.comment, 'ok');
    const granted = await eventually(
      async () =>
        deliveries
          .filter((d) => d.body.includes(pending.approvalId))
          .map((d) => d.headers['x-portcullis-event']),
      (events) => events.filter((e) => e === 'approval.granted').length === 2,
    );
    assert.deepEqual(granted.sort(), ['approval.granted', 'approval.granted', 'approval.requested']);
  });

  it('rejects an unknown body field with a clear 400', async () => {
    const pending = await request();
    const bad = await call('POST', `/api/approvals/${pending.approvalId}/deny`, 'approver-1', {
      reason: 'x',
    });
    assert.equal(bad.status, 400);
    assert.match(String(bad.body.title), /\/reason is not a known field/);
    await pending.cancel('test over');
  });
});
