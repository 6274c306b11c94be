import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Identity } from '@portcullis/events';
import type { EventStore } from '@portcullis/eventstore';
import { SessionRecorder } from '@portcullis/session';
import { startOidcProvider, tempDir, type OidcProvider, type TempDir } from '@portcullis/test-support';
import { completeConfig } from '../config/load-config.js';
import { startGateway, type Gateway } from '../create-gateway.js';
import { createLogger } from '../logging/logger.js';
import { openRuntime, type GatewayRuntime } from '../runtime/gateway-runtime.js';

/**
 * `GET /api/events` read the way a SIEM's HTTP client reads it: Node's
 * fetch on the stream, a real OIDC provider for the tokens, a gateway on an
 * embedded store, events written by the real session recorder.
 */
const agent: Identity = {
  subject: 'agent-sp',
  issuer: 'https://issuer.test',
  kind: 'service_principal',
  groups: [],
  roles: [],
};
const EVENTS_PER_SESSION = 3;

async function recordSession(store: EventStore): Promise<void> {
  const recorder = await SessionRecorder.open(
    store,
    {
      sessionId: randomUUID(),
      identity: agent,
      target: { name: 'prod-db', protocol: 'postgres', labels: {} },
      protocol: 'postgres',
      clientAddress: '127.0.0.1',
      policyRevision: 'r1',
    } as Parameters<typeof SessionRecorder.open>[1],
    { actor: agent.subject, gatewayInstance: 'gw-sse-test' },
  );
  await recorder.decide(
    { protocol: 'postgres', text: 'SELECT 1', classification: {} },
    { outcome: 'allow', reasons: [], policyRevision: 'r1', decisionId: 'd', evaluationMicros: 1 },
  );
  await recorder.close({ reason: 'done', bytesFromClient: 0, bytesToClient: 0, durationMs: 1, commands: 1 });
}

interface Message {
  id: string;
  data: Record<string, unknown>;
}

/** Reads SSE messages until `count` arrived (or 20 s passed), then closes the connection. */
async function readEvents(
  url: string,
  headers: Record<string, string>,
  count: number,
  onOpen?: () => Promise<void>,
) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 20_000);
  const response = await fetch(url, { headers, signal: controller.signal });
  if (response.status !== 200) assert.fail(`${response.status}: ${await response.text()}`);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  await onOpen?.();
  const messages: Message[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    while (messages.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(
          block
            .split('\n')
            .filter((l) => l && !l.startsWith(':'))
            .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trimStart()]),
        );
        if (fields.data !== undefined) messages.push({ id: fields.id!, data: JSON.parse(fields.data!) });
      }
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return messages;
}

describe('GET /api/events (Server-Sent Events)', () => {
  let oidc: OidcProvider;
  let dir: TempDir;
  const runtimes: GatewayRuntime[] = [];
  const gateways: Gateway[] = [];
  let gateway: Gateway;
  let closedGateway: Gateway;
  let runtime: GatewayRuntime;

  async function boot(name: string, auditorGroups?: string[]) {
    const config = completeConfig(
      {
        instance: `gw-${name}`,
        api: { listen: '127.0.0.1:0', ...(auditorGroups ? { auditorGroups } : {}) },
        store: { kind: 'pglite', dataDir: join(dir.path, name) },
        issuers: [{ issuer: oidc.issuer, audiences: [oidc.audience], jwksUrl: oidc.jwksUrl }],
      },
      'test',
      dir.path,
    );
    const opened = await openRuntime(config, createLogger('silent', config.instance));
    runtimes.push(opened);
    const started = await startGateway(opened);
    gateways.push(started);
    return { runtime: opened, gateway: started };
  }

  before(async () => {
    oidc = await startOidcProvider({
      clients: [
        { clientId: 'siem', groups: ['soc-readers'] },
        { clientId: 'agent', groups: ['ci'] },
      ],
    });
    dir = await tempDir('portcullis-sse-');
    ({ runtime, gateway } = await boot('with-auditors', ['soc-readers']));
    ({ gateway: closedGateway } = await boot('no-auditors'));
    await recordSession(runtime.store);
    await recordSession(runtime.store);
  });
  after(async () => {
    for (const g of gateways) await g.close();
    for (const r of runtimes) await r.close();
    await oidc?.stop();
    await dir?.remove();
  });

  const bearer = async (client: string) => ({ authorization: `Bearer ${await oidc.issueToken(client)}` });

  it('streams every event with its position as id, then live ones; Last-Event-ID resumes right after', async () => {
    const everything = await runtime.store.readAll();
    const first = await readEvents(
      `${gateway.url}/api/events`,
      await bearer('siem'),
      everything.length + EVENTS_PER_SESSION,
      () => recordSession(runtime.store),
    );
    // The gateway appends events of its own too (anchors, policy activations): the stream is
    // the store's order, so what was read is the store's first events, whatever came after.
    const all = await runtime.store.readAll();
    assert.deepEqual(
      first.map((m) => m.data.id),
      all.slice(0, first.length).map((e) => e.id),
      'history, then the session recorded while connected',
    );
    assert.deepEqual(
      first.map((m) => m.id),
      all.slice(0, first.length).map((e) => `${e.position.commit}/${e.position.prepare}`),
    );
    const live = all.slice(everything.length).filter((e) => e.streamName.startsWith('session-'));
    assert.ok(live.length >= 1, 'a session was recorded while connected');
    const read = new Set(first.map((m) => m.data.id));
    const streamed = live.filter((e) => read.has(e.id)).length;
    assert.ok(streamed >= 1, 'the live session reached the stream');
    assert.ok(first.every((m) => m.data.position === m.id));

    const cut = first[3]!;
    const resumed = await readEvents(
      `${gateway.url}/api/events`,
      { ...(await bearer('siem')), 'last-event-id': cut.id },
      all.length - 4,
    );
    assert.deepEqual(
      resumed.map((m) => m.data.id),
      all.slice(4).map((e) => e.id),
      'resumed after the last event it got: no gap, no repeat',
    );
  });

  it('format=ocsf sends OCSF events, from a position', async () => {
    const all = await runtime.store.readAll();
    const from = `${all[0]!.position.commit}/${all[0]!.position.prepare}`;
    const ocsf = await readEvents(
      `${gateway.url}/api/events?format=ocsf&from=${from}`,
      await bearer('siem'),
      all.length - 1,
    );
    assert.deepEqual(
      ocsf.map((m) => (m.data.metadata as { uid: string }).uid),
      all.slice(1).map((e) => e.id),
    );
    assert.ok(
      ocsf.every(
        (m) => m.data.type_uid === (m.data.class_uid as number) * 100 + (m.data.activity_id as number),
      ),
    );
  });

  it('refuses no token (401), a token outside the auditor groups (403), and everyone when none is configured (403)', async () => {
    const none = await fetch(`${gateway.url}/api/events`);
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as { code: string }).code, 'UNAUTHENTICATED');

    const agentCall = await fetch(`${gateway.url}/api/events`, { headers: await bearer('agent') });
    assert.equal(agentCall.status, 403);
    const refused = (await agentCall.json()) as { reason: string; title: string };
    assert.equal(refused.reason, 'not_an_auditor');

    const closed = await fetch(`${closedGateway.url}/api/events`, { headers: await bearer('siem') });
    assert.equal(closed.status, 403);
    const why = (await closed.json()) as { reason: string; title: string };
    assert.equal(why.reason, 'no_auditor_groups');
    assert.match(why.title, /api\.auditorGroups/);

    const bad = await fetch(`${gateway.url}/api/events?from=yesterday`, { headers: await bearer('siem') });
    assert.equal(bad.status, 400);
  });
});
