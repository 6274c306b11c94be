import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SessionEvent, SessionOpenedData } from '@portcullis/events';
import {
  decideSession,
  evolveSession,
  initialSessionState,
  SessionRuleError,
  type SessionCommand,
} from './session.js';

const opened: SessionOpenedData = {
  sessionId: 's1',
  identity: { subject: 'sp', issuer: 'https://issuer', kind: 'service_principal', groups: [], roles: [] },
  target: { name: 'db', protocol: 'postgres', labels: {} },
  protocol: 'postgres',
  clientAddress: '127.0.0.1',
  policyRevision: 'r1',
};

/** given(events) / when(command) / then(events). */
function given(events: SessionEvent[]) {
  const state = events.reduce(evolveSession, initialSessionState());
  return {
    when: (command: SessionCommand) => ({
      then: (expected: SessionEvent[]) => assert.deepEqual(decideSession(command, state), expected),
      thenFails: (pattern: RegExp) =>
        assert.throws(
          () => decideSession(command, state),
          (e) => e instanceof SessionRuleError && pattern.test(e.message),
        ),
    }),
  };
}

const record = {
  type: 'RecordCommand' as const,
  data: { sessionId: 's1', protocol: 'postgres' as const, text: 'select 1', classification: {} },
};
const close = {
  type: 'CloseSession' as const,
  data: {
    sessionId: 's1',
    reason: 'client_disconnected',
    bytesFromClient: 1,
    bytesToClient: 2,
    durationMs: 3,
    commands: 1,
  },
};

test('a new session opens', () => {
  given([])
    .when({ type: 'OpenSession', data: opened })
    .then([{ type: 'SessionOpened', data: opened }]);
});

test('a session cannot open twice', () => {
  given([{ type: 'SessionOpened', data: opened }])
    .when({ type: 'OpenSession', data: opened })
    .thenFails(/already exists/);
});

test('commands are numbered from 1 in arrival order', () => {
  const first = { type: 'CommandReceived' as const, data: { ...record.data, sequence: 1 } };
  given([{ type: 'SessionOpened', data: opened }])
    .when(record)
    .then([first]);
  given([{ type: 'SessionOpened', data: opened }, first])
    .when(record)
    .then([{ type: 'CommandReceived', data: { ...record.data, sequence: 2 } }]);
});

test('no command is recorded on a session that is not open', () => {
  given([])
    .when(record)
    .thenFails(/is none/);
  given([
    { type: 'SessionOpened', data: opened },
    { type: 'SessionClosed', data: close.data },
  ])
    .when(record)
    .thenFails(/is closed/);
});

test('closing is idempotent, and a session never opened cannot close', () => {
  given([{ type: 'SessionOpened', data: opened }])
    .when(close)
    .then([{ type: 'SessionClosed', data: close.data }]);
  given([
    { type: 'SessionOpened', data: opened },
    { type: 'SessionClosed', data: close.data },
  ])
    .when(close)
    .then([]);
  given([])
    .when(close)
    .thenFails(/cannot be closed/);
});
