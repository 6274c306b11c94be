import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  startOidcProvider,
  startPostgres,
  type OidcProvider,
  type PostgresServer,
} from '@portcullis/test-support';
import { WrongExpectedRevisionError } from '@portcullis/eventstore';
import { completeConfig } from './config/load-config.js';
import { openRuntime, type GatewayRuntime } from './runtime/gateway-runtime.js';
import { startGateway, type Gateway } from './create-gateway.js';
import { createLogger } from './logging/logger.js';
import { ProjectionsService } from './projections/projections.service.js';
import { SessionRecorder } from '@portcullis/session';
import type { EventStore } from '@portcullis/eventstore';

let server: PostgresServer;
/** Issues the API callers' tokens: an auditor, an admin, and a caller in neither group. */
let oidc: OidcProvider;
before(async () => {
  server = await startPostgres();
  oidc = await startOidcProvider({
    clients: [
      { clientId: 'auditor', groups: ['soc-readers'] },
      { clientId: 'admin', groups: ['platform-admins'] },
      { clientId: 'developer', groups: ['developers'] },
    ],
  });
});
after(async () => {
  await oidc?.stop();
  await server?.stop();
});

async function bootGateway(
  api: { auditorGroups?: string[]; adminGroups?: string[] } = {
    auditorGroups: ['soc-readers'],
    adminGroups: ['platform-admins'],
  },
): Promise<{ runtime: GatewayRuntime; gateway: Gateway }> {
  const config = completeConfig(
    {
      instance: 'gw-test',
      api: { listen: '127.0.0.1:0', ...api },
      store: { kind: 'postgres', url: server.url() },
      issuers: [{ issuer: oidc.issuer, audiences: [oidc.audience], jwksUrl: oidc.jwksUrl }],
    },
    'test',
    process.cwd(),
  );
  const runtime = await openRuntime(config, createLogger('silent', config.instance));
  const gateway = await startGateway(runtime);
  return { runtime, gateway };
}

async function shutdown({ runtime, gateway }: { runtime: GatewayRuntime; gateway: Gateway }) {
  await gateway.close();
  await runtime.close();
}

const identity = {
  subject: 'sp-ci',
  issuer: 'https://login.example/tenant/v2.0',
  app_id: 'app-1',
  kind: 'service_principal' as const,
  groups: [],
  roles: ['Portcullis.Reader'],
};

/** A session as the proxies write it: through the command ledger, the only writer of session streams. */
async function runSession(store: EventStore, sessionId: string, commands: number): Promise<SessionRecorder> {
  const recorder = await SessionRecorder.open(
    store,
    {
      sessionId,
      identity,
      target: { name: 'prod-db', protocol: 'postgres', labels: { env: 'production' } },
      protocol: 'postgres',
      clientAddress: '127.0.0.1',
      policyRevision: 'r1',
    },
    { actor: identity.subject, gatewayInstance: 'gw-test' },
  );
  for (let i = 0; i < commands; i++) {
    await recorder.decide(
      { protocol: 'postgres', text: `select ${i}`, classification: { statements: [] } },
      { outcome: 'allow', reasons: [], policyRevision: 'r1', decisionId: `d-${i}`, evaluationMicros: 1 },
    );
  }
  return recorder;
}

async function getJson(gateway: Gateway, path: string, token?: string) {
  const response = await fetch(`${gateway.url}${path}`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test('sessions flow from commands through the store into the read model and the API', async () => {
  const booted = await bootGateway();
  const { gateway } = booted;
  try {
    const open = randomUUID();
    const closed = randomUUID();
    await runSession(booted.runtime.store, open, 2);
    const closing = await runSession(booted.runtime.store, closed, 3);
    await closing.close({
      reason: 'client_disconnected',
      bytesFromClient: 10,
      bytesToClient: 20,
      durationMs: 5,
      commands: 3,
    });
    await gateway.app.get(ProjectionsService).waitUntilLive();
    const auditor = await oidc.issueToken('auditor');
    // The read model is eventually consistent: wait for the last event to land.
    await waitFor(async () => {
      const items = (await getJson(gateway, '/api/sessions', auditor)).body.items as {
        sessionId: string;
        status: string;
      }[];
      return items.some((i) => i.sessionId === closed && i.status === 'closed') && items.length === 2;
    });

    const all = await getJson(gateway, '/api/sessions', auditor);
    assert.equal(all.status, 200);
    const items = all.body.items as {
      sessionId: string;
      status: string;
      commands: number;
      subject: string;
    }[];
    const byId = new Map(items.map((i) => [i.sessionId, i]));
    assert.equal(byId.get(open)?.status, 'open');
    assert.equal(byId.get(open)?.commands, 2);
    assert.equal(byId.get(closed)?.status, 'closed');
    assert.equal(byId.get(closed)?.commands, 3);
    assert.equal(byId.get(closed)?.subject, 'sp-ci');

    const onlyOpen = await getJson(gateway, '/api/sessions?status=open', auditor);
    assert.deepEqual(
      (onlyOpen.body.items as { sessionId: string }[]).map((i) => i.sessionId),
      [open],
    );
    const page = await getJson(gateway, '/api/sessions?limit=1', auditor);
    assert.equal((page.body.items as unknown[]).length, 1);
    const next = await getJson(gateway, `/api/sessions?limit=1&before=${String(page.body.next)}`, auditor);
    assert.equal((next.body.items as unknown[]).length, 1);
    assert.notDeepEqual(next.body.items, page.body.items);

    const bad = await getJson(gateway, '/api/sessions?status=maybe', auditor);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'VALIDATION');

    // Identities, targets and client addresses: only for auditors and admins.
    const anonymous = await getJson(gateway, '/api/sessions');
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.code, 'UNAUTHENTICATED');
    assert.equal(anonymous.body.items, undefined);
    const forged = await getJson(gateway, '/api/sessions', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.');
    assert.equal(forged.status, 401);
    const developer = await getJson(gateway, '/api/sessions', await oidc.issueToken('developer'));
    assert.equal(developer.status, 403);
    assert.equal(developer.body.reason, 'not_an_auditor_or_admin');
    assert.equal(developer.body.items, undefined);
    const admin = await getJson(gateway, '/api/sessions?status=open', await oidc.issueToken('admin'));
    assert.equal(admin.status, 200);
    assert.deepEqual(
      (admin.body.items as { sessionId: string }[]).map((i) => i.sessionId),
      [open],
    );

    const health = await getJson(gateway, '/health');
    assert.equal(health.status, 200);
    assert.equal((health.body.info as Record<string, { status: string }>).eventStore!.status, 'up');
    assert.deepEqual((health.body.info as Record<string, unknown>).revocations, { status: 'up', active: 0 });

    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    assert.match(metrics, /portcullis_projection_events_applied\{projection="sessions",state="live"\} 8/);
  } finally {
    await shutdown(booted);
  }
});

test('with neither api.auditorGroups nor api.adminGroups configured, the sessions list is closed to everyone', async () => {
  const booted = await bootGateway({});
  try {
    const anonymous = await getJson(booted.gateway, '/api/sessions');
    assert.equal(anonymous.status, 401);
    for (const client of ['auditor', 'admin']) {
      const refused = await getJson(booted.gateway, '/api/sessions', await oidc.issueToken(client));
      assert.equal(refused.status, 403, client);
      assert.equal(refused.body.reason, 'no_auditor_or_admin_groups');
      assert.match(String(refused.body.title), /api\.auditorGroups, api\.adminGroups/);
    }
  } finally {
    await shutdown(booted);
  }
});

test('a second writer racing to open one session stream gets the typed conflict', async () => {
  const booted = await bootGateway();
  try {
    const sessionId = randomUUID();
    const results = await Promise.allSettled([
      runSession(booted.runtime.store, sessionId, 0),
      runSession(booted.runtime.store, sessionId, 0),
      runSession(booted.runtime.store, sessionId, 0),
    ]);
    const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    assert.equal(rejected.length, 2, 'exactly one writer owns the stream');
    for (const r of rejected) assert.ok(r.reason instanceof WrongExpectedRevisionError, String(r.reason));
    const stream = await booted.runtime.store.readStream(`session-${sessionId}`);
    assert.deepEqual(
      stream.map((e) => e.type),
      ['SessionOpened'],
    );
  } finally {
    await shutdown(booted);
  }
});

test('projections resume from their checkpoint after a restart and rebuild from zero to the same rows', async () => {
  const first = await bootGateway();
  const sessionId = randomUUID();
  await runSession(first.runtime.store, sessionId, 1);
  await first.gateway.app.get(ProjectionsService).waitUntilLive();
  await waitFor(async () =>
    (await rows(first.runtime)).some((r) => r.session_id === sessionId && r.commands === 1),
  );
  const before = await rows(first.runtime);
  await shutdown(first);

  const second = await bootGateway();
  try {
    const projections = second.gateway.app.get(ProjectionsService);
    await projections.waitUntilLive();
    // Nothing re-applied: the checkpoint was committed with the rows.
    assert.equal(projections.statuses()[0]!.eventsApplied, 0);
    assert.deepEqual(await rows(second.runtime), before);

    await projections.rebuild('sessions');
    await projections.waitUntilLive();
    await waitFor(async () => (await rows(second.runtime)).length === before.length);
    assert.deepEqual(await rows(second.runtime), before);
    assert.ok(projections.statuses()[0]!.eventsApplied > 0);
  } finally {
    await shutdown(second);
  }
});

test('the committed OpenAPI document matches the API (run `npm run openapi` if not)', async () => {
  const booted = await bootGateway();
  try {
    const committed = JSON.parse(
      readFileSync(new URL('../openapi.json', import.meta.url), 'utf8'),
    ) as unknown;
    assert.deepEqual(committed, JSON.parse(JSON.stringify(booted.gateway.openapi)));
  } finally {
    await shutdown(booted);
  }
});

async function rows(runtime: GatewayRuntime) {
  const { rows } = await runtime.readModels.query<Record<string, unknown>>(
    `SELECT session_id, status, commands, blocked, subject, target_name FROM portcullis_rm_sessions ORDER BY session_id`,
  );
  return rows;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('the active policy revision is recorded once across restarts and shown in /health', async () => {
  for (let boot = 0; boot < 2; boot++) {
    const booted = await bootGateway();
    try {
      const events = await booted.runtime.store.readStream('policy-portcullis');
      assert.equal(events.length, 1, 'a restart with the same bundle must not record it again');
      assert.equal(events[0]!.type, 'PolicyActivated');
      assert.equal((events[0]!.data as { revision: string }).revision, booted.runtime.policy.revision);
      const health = await getJson(booted.gateway, '/health');
      assert.equal(
        (health.body.info as Record<string, { revision?: string }>).policy!.revision,
        booted.runtime.policy.revision,
      );
    } finally {
      await shutdown(booted);
    }
  }
});

test('a policy bundle that does not load keeps the gateway from starting', async () => {
  const config = completeConfig(
    { store: { kind: 'postgres', url: server.url() }, policy: { bundle: '/nonexistent/bundle.tar.gz' } },
    'test',
    process.cwd(),
  );
  await assert.rejects(openRuntime(config, createLogger('silent', 'x')), /\/nonexistent\/bundle\.tar\.gz/);
});

test('issuers named in the config verify real client-credentials tokens from a real OIDC provider', async () => {
  const provider = await startOidcProvider({
    clients: [{ clientId: 'ci-deployer', roles: ['Portcullis.Writer'] }],
  });
  try {
    const config = completeConfig(
      {
        store: { kind: 'postgres', url: server.url() },
        issuers: [{ issuer: provider.issuer, audiences: [provider.audience], jwksUrl: provider.jwksUrl }],
      },
      'test',
      process.cwd(),
    );
    const runtime = await openRuntime(config, createLogger('silent', 'x'));
    try {
      const verified = await runtime.tokens!.verify(await provider.issueToken('ci-deployer'));
      assert.ok(verified.ok, JSON.stringify(verified));
      assert.equal(verified.identity.issuer, provider.issuer);
      assert.deepEqual(verified.identity.roles, ['Portcullis.Writer']);
      const forged = await runtime.tokens!.verify('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.');
      assert.equal(forged.ok, false);
    } finally {
      await runtime.close();
    }
  } finally {
    await provider.stop();
  }
});
