import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  eventTypes,
  type DomainEvent,
  type EventType,
  type Identity,
  type RecordedEvent,
} from '@portcullis/events';
import { approvalFactsOf, sessionFactsOf, type OcsfContext } from './event-facts.js';
import { toOcsf, type OcsfEvent } from './map-event.js';
import { OCSF_VERSION } from './ocsf-classes.js';

/** Generated from the ocsf/ocsf-schema repository (see its $comment); read from the sources, not dist. */
interface Definition {
  required: string[];
  at_least_one?: string[][];
  just_one?: string[][];
  attributes: string[];
  object_types: Record<string, string>;
}
const schema = JSON.parse(
  readFileSync(new URL('../../../src/siem/ocsf/ocsf-required.json', import.meta.url), 'utf8'),
) as {
  version: string;
  classes: Record<string, Definition & { category_uid: number }>;
  objects: Record<string, Definition>;
  profiles: Record<string, { required: string[]; attributes: string[] }>;
};

const present = (value: unknown) => value !== undefined && value !== null && value !== '';

/** Every problem of `value` against `definition`, recursing into the objects the schema types. */
function problems(
  value: Record<string, unknown>,
  definition: Definition,
  path: string,
  extra: string[] = [],
) {
  const found: string[] = [];
  for (const name of definition.required) {
    if (!present(value[name])) found.push(`${path}.${name} is required`);
  }
  for (const group of definition.at_least_one ?? []) {
    if (!group.some((name) => present(value[name]))) found.push(`${path} needs one of ${group.join(', ')}`);
  }
  for (const group of definition.just_one ?? []) {
    if (group.filter((name) => present(value[name])).length !== 1)
      found.push(`${path} needs exactly one of ${group.join(', ')}`);
  }
  for (const [name, member] of Object.entries(value)) {
    if (!definition.attributes.includes(name) && !extra.includes(name)) {
      found.push(`${path}.${name} is not an attribute here`);
      continue;
    }
    const type = definition.object_types[name];
    const object = type ? schema.objects[type] : undefined;
    if (!object) continue;
    const items = Array.isArray(member) ? member : [member];
    items.forEach((item, i) => {
      assert.equal(typeof item, 'object', `${path}.${name} must be an object`);
      found.push(
        ...problems(
          item as Record<string, unknown>,
          object,
          Array.isArray(member) ? `${path}.${name}[${i}]` : `${path}.${name}`,
        ),
      );
    });
  }
  return found;
}

function assertValidOcsf(event: OcsfEvent, source: string) {
  const definition = schema.classes[String(event.class_uid)];
  assert.ok(definition, `${source}: class ${event.class_uid} is not one the generated list holds`);
  const profiles = (event.metadata.profiles as string[] | undefined) ?? [];
  const extra = profiles.flatMap((p) => schema.profiles[p]?.attributes ?? []);
  const found = problems(event as unknown as Record<string, unknown>, definition, source, extra);
  for (const p of profiles) {
    for (const name of schema.profiles[p]!.required) {
      if (!present((event as Record<string, unknown>)[name]))
        found.push(`${source}.${name} (profile ${p}) is required`);
    }
  }
  assert.deepEqual(found, [], `${source}: ${JSON.stringify(event, null, 1)}`);
  assert.equal(event.type_uid, event.class_uid * 100 + event.activity_id);
  assert.equal(event.category_uid, definition.category_uid);
  assert.equal(event.metadata.version, schema.version);
  assert.equal(typeof event.time, 'number');
}

const agent: Identity = {
  subject: 'sp-object-id',
  issuer: 'https://login.microsoftonline.com/tenant-1/v2.0',
  app_id: 'app-1234',
  kind: 'service_principal',
  groups: ['ci-deployers', 'readers'],
  roles: ['db.read'],
  tenant_id: 'tenant-1',
};
let position = 100n;
function recorded<T extends EventType>(
  streamName: string,
  type: T,
  data: DomainEvent<T>['data'],
  revision = 0,
): RecordedEvent {
  position += 1n;
  return {
    id: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
    type,
    schemaVersion: 1,
    data,
    metadata: {
      $correlationId: 's-1',
      $causationId: null,
      actor: agent.subject,
      gatewayInstance: 'gw-1',
      recordedAt: '2026-12-01T10:00:00.123Z',
      prevHash: 'a'.repeat(64),
    },
    streamName,
    revision,
    position: { commit: 7n, prepare: position },
    hash: 'b'.repeat(64),
  };
}

function sessionEvents(sessionId: string, protocol: 'postgres' | 'ssh') {
  const stream = `session-${sessionId}`;
  const target = { name: protocol === 'ssh' ? 'web-1' : 'prod-db', protocol, labels: { env: 'production' } };
  return [
    recorded(stream, 'SessionOpened', {
      sessionId,
      identity: agent,
      target,
      protocol,
      clientAddress: '127.0.0.1',
      policyRevision: 'r1',
    }),
    recorded(
      stream,
      'UpstreamCredentialIssued',
      protocol === 'ssh'
        ? {
            sessionId,
            mechanism: 'certificate',
            principal: 'deploy',
            keyId: `portcullis session=${sessionId}`,
            serial: '42',
            validAfter: '2026-12-01T09:59:00.000Z',
            validUntil: '2026-12-01T10:05:00.000Z',
          }
        : {
            sessionId,
            mechanism: 'ephemeral-role',
            role: 'portcullis_0123abcd',
            grantedRole: 'app_reader',
            validUntil: '2026-12-01T11:00:00.000Z',
          },
    ),
    recorded(stream, 'CommandReceived', {
      sessionId,
      sequence: 1,
      protocol,
      text: protocol === 'ssh' ? 'uptime' : "SELECT email FROM users WHERE id = '***'",
      classification: {},
    }),
    recorded(stream, 'CommandDecided', {
      sessionId,
      sequence: 1,
      outcome: 'allow',
      reasons: [],
      policyRevision: 'r1',
      decisionId: 'd-1',
      evaluationMicros: 40,
    }),
    recorded(stream, 'CommandForwarded', { sessionId, sequence: 1 }),
    recorded(stream, 'ResultMasked', {
      sessionId,
      sequence: 1,
      columns: [{ column: 'public.users.email', method: 'partial', count: 1 }],
    }),
    recorded(stream, 'CommandCompleted', {
      sessionId,
      sequence: 1,
      rows: 1,
      durationMs: 2,
      commandTag: 'SELECT 1',
    }),
    recorded(stream, 'CommandDecided', {
      sessionId,
      sequence: 2,
      outcome: 'deny',
      reasons: ['DROP is not allowed on production'],
      policyRevision: 'r1',
      decisionId: 'd-2',
      evaluationMicros: 40,
    }),
    recorded(stream, 'CommandBlocked', {
      sessionId,
      sequence: 2,
      reason: 'DROP is not allowed on production',
      errorCode: '42501',
    }),
    recorded(stream, 'CommandOutcomeUnknown', {
      sessionId,
      sequence: 3,
      reason: 'gateway_restart',
      forwarded: true,
    }),
    recorded(stream, 'UpstreamCredentialRevoked', {
      sessionId,
      mechanism: 'ephemeral-role',
      role: 'portcullis_0123abcd',
      reason: 'session_closed',
      backendsTerminated: 0,
    }),
    recorded(stream, 'CommandsUnrecorded', {
      sessionId,
      commands: 2,
      events: 4,
      firstSequence: 4,
      lastSequence: 5,
      reason: 'backlog full',
    }),
    recorded(stream, 'SessionClosed', {
      sessionId,
      reason: 'client_disconnected',
      bytesFromClient: 10,
      bytesToClient: 20,
      durationMs: 1000,
      commands: 3,
    }),
  ];
}

const approvalStream = 'approval-ap-1';
const approvalEvents = [
  recorded(approvalStream, 'ApprovalRequested', {
    approvalId: 'ap-1',
    scope: 'command',
    sessionId: 's-pg',
    sequence: 4,
    requester: agent,
    targetName: 'prod-db',
    text: 'CREATE TABLE t (id int)',
    reason: 'create needs review',
    approverGroups: ['dba-oncall'],
    minApprovals: 1,
    expiresAt: '2026-12-01T10:15:00.000Z',
  }),
  recorded(approvalStream, 'ApprovalDecisionRefused', {
    approvalId: 'ap-1',
    attempted: 'grant',
    by: { subject: agent.subject, issuer: agent.issuer, app_id: 'app-1234' },
    reason: 'self_approval',
    detail: 'a requester never approves their own request',
  }),
  recorded(approvalStream, 'ApprovalGranted', {
    approvalId: 'ap-1',
    approver: { subject: 'dba-1', issuer: agent.issuer },
    comment: 'ok',
  }),
  recorded(approvalStream, 'ApprovalDenied', {
    approvalId: 'ap-1',
    approver: { subject: 'dba-2', issuer: agent.issuer },
  }),
  recorded(approvalStream, 'ApprovalExpired', { approvalId: 'ap-1' }),
  recorded(approvalStream, 'ApprovalCancelled', { approvalId: 'ap-1', reason: 'client_disconnected' }),
];

const rejected = recorded('session-s-rej', 'SessionRejected', {
  sessionId: 's-rej',
  protocol: 'postgres',
  targetName: 'prod-db',
  clientAddress: '127.0.0.1',
  reason: 'authentication_failed',
  detail: 'token expired',
});
const unrecorded = recorded('gateway-gw-1', 'SessionsUnrecorded', {
  sessions: 3,
  firstAt: '2026-12-01T10:00:00.000Z',
  lastAt: '2026-12-01T10:00:05.000Z',
  reasons: { store_unavailable: 3 },
});

const admin = { subject: 'oncall-admin', issuer: agent.issuer };
const accessEvents = [
  recorded('termination-s-pg', 'SessionTerminationRequested', {
    sessionId: 's-pg',
    requestedBy: admin,
    reason: 'incident 42',
  }),
  recorded('revocation-rv-1', 'IdentityRevoked', {
    revocationId: 'rv-1',
    identity: { issuer: agent.issuer, subject: agent.subject },
    reason: 'credential leaked',
    revokedBy: admin,
    expiresAt: '2026-12-02T10:00:00.000Z',
  }),
  recorded('revocation-rv-2', 'IdentityRevoked', {
    revocationId: 'rv-2',
    identity: { appId: 'app-1234' },
    reason: 'app retired',
    revokedBy: admin,
  }),
  recorded('revocation-rv-1', 'IdentityRevocationLifted', {
    revocationId: 'rv-1',
    liftedBy: admin,
    reason: 'rotated',
  }),
];
const terminatedClose = recorded('session-s-pg', 'SessionClosed', {
  sessionId: 's-pg',
  reason: 'terminated',
  terminatedBy: admin,
  terminationReason: 'incident 42',
  bytesFromClient: 1,
  bytesToClient: 2,
  durationMs: 3,
  commands: 0,
});
const anchor = recorded('gateway-gw-1.anchors', 'AuditAnchorSigned', {
  sequence: 1,
  asOf: '12/34',
  streams: 2,
  events: 9,
  headsDigest: Buffer.alloc(2048).toString('base64'),
  previous: '0'.repeat(64),
  signedAt: '2026-12-01T10:00:06.000Z',
  keyId: '0123456789abcdef',
  algorithm: 'ed25519',
  signature: 'c2ln',
});

/** Maps a stream in order, the way the feed does: each session's and approval's first event gives the context. */
function mapAll(events: RecordedEvent[], seed: OcsfContext = {}) {
  let context = seed;
  return events.map((event) => {
    const session = sessionFactsOf(event);
    const approval = approvalFactsOf(event);
    if (session) context = { ...context, session };
    if (approval) context = { ...context, approval };
    return { event, ocsf: toOcsf(event, context) };
  });
}

describe('OCSF mapping', () => {
  const pg = mapAll(sessionEvents('s-pg', 'postgres'));
  const ssh = mapAll(sessionEvents('s-ssh', 'ssh'));
  const approvals = mapAll(approvalEvents, {
    session: sessionFactsOf(sessionEvents('s-pg', 'postgres')[0]!),
  });
  const others = mapAll([rejected, unrecorded, anchor]);
  const access = mapAll([...accessEvents, terminatedClose], {
    session: sessionFactsOf(sessionEvents('s-pg', 'postgres')[0]!),
  });
  const all = [...pg, ...ssh, ...approvals, ...others, ...access];

  it(`takes OCSF ${OCSF_VERSION}, the release the required-attribute list was generated from`, () => {
    assert.equal(OCSF_VERSION, schema.version);
  });

  it('every produced event carries every attribute its class and objects require, and only theirs', () => {
    for (const { event, ocsf } of all) {
      if (ocsf) assertValidOcsf(ocsf, `${event.type}(${event.streamName})`);
    }
  });

  it('maps each kind of event to its class', () => {
    const classOf = (list: typeof all, type: string) =>
      list.filter((m) => m.event.type === type).map((m) => m.ocsf?.class_uid);
    assert.deepEqual(classOf(pg, 'SessionOpened'), [3002]);
    assert.deepEqual(classOf(others, 'SessionRejected'), [3002]);
    for (const type of [
      'CommandReceived',
      'CommandDecided',
      'CommandForwarded',
      'CommandCompleted',
      'ResultMasked',
    ])
      assert.ok(
        classOf(pg, type).every((c) => c === 6005),
        type,
      );
    for (const type of ['CommandReceived', 'CommandDecided', 'CommandForwarded', 'CommandCompleted'])
      assert.ok(
        classOf(ssh, type).every((c) => c === 1007),
        type,
      );
    assert.deepEqual(classOf(ssh, 'SessionOpened'), [3002]);
    assert.deepEqual(classOf(ssh, 'SessionClosed'), [4007]);
    assert.deepEqual(classOf(pg, 'SessionClosed'), [3002]);
    assert.deepEqual(classOf(pg, 'CommandBlocked'), [2004]);
    for (const { ocsf } of approvals) assert.equal(ocsf?.class_uid, 2004);
  });

  it('carries the event id, time in ms, the chain fields, and outcome details', () => {
    const opened = pg[0]!.ocsf!;
    assert.equal(opened.metadata.uid, pg[0]!.event.id);
    assert.equal(opened.time, Date.parse('2026-12-01T10:00:00.123Z'));
    assert.equal(opened.type_uid, 300201);
    assert.equal(opened.status_id, 1);
    const user = opened.user as Record<string, unknown>;
    assert.equal(user.uid, agent.subject);
    assert.equal(user.uid_alt, 'app-1234');
    assert.deepEqual(user.groups, [{ name: 'ci-deployers' }, { name: 'readers' }]);
    assert.deepEqual(user.org, { uid: 'tenant-1' });
    assert.deepEqual(opened.src_endpoint, { ip: '127.0.0.1' });
    assert.deepEqual(opened.dst_endpoint, { name: 'prod-db', svc_name: 'postgres' });
    const chain = (opened.unmapped as { portcullis: Record<string, unknown> }).portcullis;
    assert.equal(chain.hash, 'b'.repeat(64));
    assert.equal(chain.prev_hash, 'a'.repeat(64));
    assert.equal(chain.position, formatOf(pg[0]!.event));

    const issued = pg[1]!.ocsf!;
    assert.equal(issued.type_uid, 300204);
    assert.match(String(issued.message), /role portcullis_0123abcd in app_reader, valid until/);
    assert.match(String(ssh[1]!.ocsf!.message), /certificate portcullis session=s-ssh serial 42 for deploy/);
    const received = pg[2]!.ocsf!;
    assert.deepEqual(received.query_info, {
      uid: 's-pg/1',
      query_string: "SELECT email FROM users WHERE id = '***'",
    });
    const denied = pg.find(
      (m) => m.event.type === 'CommandDecided' && (m.event.data as { outcome: string }).outcome === 'deny',
    )!.ocsf!;
    assert.equal(denied.status_id, 2);
    assert.equal(denied.disposition_id, 2);
    assert.equal(denied.status_detail, 'DROP is not allowed on production');
    const blocked = pg.find((m) => m.event.type === 'CommandBlocked')!.ocsf!;
    assert.equal(blocked.disposition_id, 2);
    assert.equal((blocked.finding_info as { desc: string }).desc, 'DROP is not allowed on production');
    const exec = ssh[2]!.ocsf!;
    assert.equal((exec.process as { cmd_line: string }).cmd_line, 'uptime');
    assert.equal(others[0]!.ocsf!.status_id, 2);
    assert.equal(others[0]!.ocsf!.status_code, 'authentication_failed');
    const granted = approvals.find((m) => m.event.type === 'ApprovalGranted')!.ocsf!;
    assert.equal(granted.disposition_id, 8);
    const sealed = others.find((m) => m.event.type === 'AuditAnchorSigned')!.ocsf!;
    assert.equal(sealed.type_uid, 100899);
    assert.deepEqual(
      (sealed.unmapped as { portcullis: { anchor: unknown } }).portcullis.anchor,
      anchor.data,
      'the whole anchor travels, so audit verify --anchors can read it from a SIEM export',
    );
    assert.equal((granted.finding_info as { uid: string }).uid, 'ap-1');
  });

  it('maps terminations and revocations to findings naming the operator, and a terminated close says by whom', () => {
    const [termination, revoked, revokedApp, lifted, closed] = access.map((m) => m.ocsf!);
    for (const f of [termination, revoked, revokedApp, lifted]) {
      assert.equal(f!.class_uid, 2004);
      const evidence = (f!.evidences as { actor: { user: { uid: string } } }[])[0]!;
      assert.equal(evidence.actor.user.uid, 'oncall-admin');
    }
    assert.equal((termination!.finding_info as { desc: string }).desc, 'incident 42');
    assert.match((revoked!.finding_info as { title: string }).title, /Identity revoked: sp-object-id of/);
    assert.match((revokedApp!.finding_info as { title: string }).title, /app app-1234/);
    assert.equal(lifted!.status_id, 4);
    assert.equal(closed!.class_uid, 3002);
    assert.match(String(closed!.message), /terminated by oncall-admin \(incident 42\)/);
  });

  it('decides for every catalog type: mapped, or left to the JSON format on purpose', () => {
    const mapped = new Set(all.filter((m) => m.ocsf).map((m) => m.event.type));
    const unmapped = [
      'OutputRecorded',
      'PolicyActivated',
      'PolicyRejected',
      'SessionsRecovered',
      'ShadowDecisionDiffered',
    ];
    assert.deepEqual(
      eventTypes.filter((t) => !mapped.has(t)).sort(),
      unmapped.sort(),
      'a new catalog type needs a decision here',
    );
    const output = recorded('session-s-ssh', 'OutputRecorded', {
      sessionId: 's-ssh',
      channel: 0,
      startOffsetSeconds: 0,
      frames: [[0, 'o', 'x']],
      bytes: 1,
    });
    assert.equal(toOcsf(output), undefined);
  });

  it('still produces a valid event without its session context (a tail that started mid-session)', () => {
    for (const { event } of [...pg, ...ssh.slice(1), ...approvals]) {
      const ocsf = toOcsf(event);
      if (ocsf) assertValidOcsf(ocsf, `${event.type} without context`);
    }
  });
});

function formatOf(event: RecordedEvent) {
  return `${event.position.commit}/${event.position.prepare}`;
}
