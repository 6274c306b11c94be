import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccessDeniedError, UnavailableError, type AllStreamRecordedEvent } from '@eventstore/db-client';
import type { RecordedEvent } from '@portcullis/events';
import { StoreUnavailableError } from '../errors.js';
import type { SubscribeOptions } from '../port.js';
import { backoffSchedule } from '../backoff.js';
import { EsdbAllSubscription, type AllSubscriber, type ReconnectInfo } from './subscribe-to-all.js';
import {
  FakeSubscription,
  fakeRead,
  newEvent,
  resolved,
  storedStream,
  systemEvent,
} from './testing/fake-esdb.js';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const [e1, e2, e3] = storedStream('session-1', [newEvent(id(1)), newEvent(id(2)), newEvent(id(3))], 100n) as [
  AllStreamRecordedEvent,
  AllStreamRecordedEvent,
  AllStreamRecordedEvent,
];

/** A client whose subscriptions the test drives; `head` is what a backwards read of $all returns. */
function fakeClient(head: AllStreamRecordedEvent | undefined) {
  const subscriptions: FakeSubscription[] = [];
  const client = {
    readAll: () => fakeRead(head ? [resolved(head)] : []),
    subscribeToAll(options: { fromPosition: unknown }) {
      const subscription = new FakeSubscription(options.fromPosition);
      subscriptions.push(subscription);
      return subscription;
    },
  };
  return { client: client as unknown as AllSubscriber, subscriptions };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  assert.fail(`timed out waiting for ${what}`);
}

function open(client: AllSubscriber, options: SubscribeOptions = {}, reconnects: ReconnectInfo[] = []) {
  const settings = {
    store: 'esdb test',
    backoff: backoffSchedule({ initialDelayMs: 4, maxDelayMs: 8, maxAttempts: 3 }),
    random: () => 0,
    onReconnect: (info: ReconnectInfo) => reconnects.push(info),
  };
  const subscription = new EsdbAllSubscription(client, options, settings);
  const received: RecordedEvent[] = [];
  let failure: unknown;
  const consumed = (async () => {
    try {
      for await (const event of subscription) received.push(event);
    } catch (error) {
      failure = error;
    }
  })();
  return { subscription, received, consumed, failure: () => failure };
}

test('after a connection loss it resubscribes from the last record and delivers nothing twice', async () => {
  const { client, subscriptions } = fakeClient(e3);
  const reconnects: ReconnectInfo[] = [];
  const { subscription, received, consumed } = open(client, {}, reconnects);
  await until(() => subscriptions.length === 1, 'the first subscription');
  assert.equal(subscriptions[0]!.fromPosition, 'start');

  subscriptions[0]!.write(resolved(e1));
  subscriptions[0]!.write(resolved(systemEvent(105n)));
  await until(() => received.length === 1, 'e1');
  subscriptions[0]!.emit('error', new UnavailableError());

  await until(() => subscriptions.length === 2, 'the reconnect');
  assert.equal(subscriptions[0]!.unsubscribed, true);
  assert.deepEqual(
    subscriptions[1]!.fromPosition,
    { commit: 105n, prepare: 105n },
    'resumes after the last record seen',
  );
  assert.equal(reconnects.length, 1);
  assert.equal(reconnects[0]!.attempt, 1);
  assert.equal(reconnects[0]!.delayMs, 2, 'half of the 4 ms ceiling with random() = 0');
  assert.ok(reconnects[0]!.error instanceof StoreUnavailableError);

  // A server that includes the resume point must not produce a duplicate.
  subscriptions[1]!.write(resolved(systemEvent(105n)));
  subscriptions[1]!.write(resolved(e1));
  subscriptions[1]!.write(resolved(e2));
  subscriptions[1]!.write(resolved(e3));
  await until(() => received.length === 3, 'e2 and e3');
  await subscription.close();
  await consumed;
  assert.deepEqual(
    received.map((e) => e.id),
    [id(1), id(2), id(3)],
  );
  assert.equal(subscriptions[1]!.unsubscribed, true);
});

test('onCaughtUp waits for events still buffered when the server says caught up', async () => {
  const { client, subscriptions } = fakeClient(systemEvent(900n));
  let caughtUp = 0;
  const { subscription, received, consumed } = open(client, { onCaughtUp: () => (caughtUp += 1) });
  await until(() => subscriptions.length === 1, 'the subscription');
  const server = subscriptions[0]!;
  server.pause(); // two events sit in the client's buffer
  server.write(resolved(e1));
  server.write(resolved(e2));
  server.emit('caughtUp');
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(caughtUp, 0, 'not while historical events are still in the buffer');
  server.resume();
  await until(() => caughtUp === 1, 'caught up');
  await until(() => received.length === 2, 'both historical events');
  server.write(resolved(e3));
  server.emit('caughtUp');
  await until(() => received.length === 3, 'e3');
  assert.equal(caughtUp, 1, 'called once');
  await subscription.close();
  await consumed;
});

test('without a server signal, reaching the head of $all read at start is caught up', async () => {
  const { client, subscriptions } = fakeClient(e2);
  const log: string[] = [];
  const { subscription, received, consumed } = open(client, { onCaughtUp: () => log.push('caught up') });
  await until(() => subscriptions.length === 1, 'the subscription');
  subscriptions[0]!.write(resolved(e1));
  await until(() => received.length === 1, 'e1');
  assert.deepEqual(log, []);
  subscriptions[0]!.write(resolved(e2));
  await until(() => log.length === 1, 'caught up');
  await subscription.close();
  await consumed;
});

test('`end` subscribes after the current head and is caught up at once', async () => {
  const { client, subscriptions } = fakeClient(e2);
  let caughtUp = false;
  const { subscription, consumed } = open(client, { from: 'end', onCaughtUp: () => (caughtUp = true) });
  await until(() => subscriptions.length === 1, 'the subscription');
  assert.deepEqual(subscriptions[0]!.fromPosition, e2.position);
  assert.equal(caughtUp, true);
  await subscription.close();
  await consumed;
});

test('filters apply on our side too, and checkpoints never reach the consumer', async () => {
  const [checkpoint] = storedStream('portcullis_checkpoint-siem', [newEvent(id(9))], 115n);
  const { client, subscriptions } = fakeClient(undefined);
  const { subscription, received, consumed } = open(client, { filter: { eventTypes: ['SessionOpened'] } });
  await until(() => subscriptions.length === 1, 'the subscription');
  const approval = storedStream('approval-1', [newEvent(id(8), 'ApprovalRequested')], 120n)[0]!;
  for (const event of [e1, checkpoint!, approval]) subscriptions[0]!.write(resolved(event));
  await new Promise((resolve) => setTimeout(resolve, 10));
  await subscription.close();
  await consumed;
  assert.deepEqual(
    received.map((e) => e.id),
    [id(1)],
  );
});

test('an error that reconnecting cannot fix ends the iterator with our error, without retrying', async () => {
  const { client, subscriptions } = fakeClient(undefined);
  const { consumed, failure } = open(client);
  await until(() => subscriptions.length === 1, 'the subscription');
  subscriptions[0]!.emit('error', new AccessDeniedError());
  await consumed;
  assert.ok(failure() instanceof StoreUnavailableError);
  assert.equal(subscriptions.length, 1);
});

test('after maxAttempts failed reconnects in a row the iterator throws StoreUnavailableError', async () => {
  const { client, subscriptions } = fakeClient(undefined);
  const reconnects: ReconnectInfo[] = [];
  const { consumed, failure } = open(client, {}, reconnects);
  for (let n = 1; n <= 4; n += 1) {
    await until(() => subscriptions.length === n, `subscription ${n}`);
    subscriptions[n - 1]!.emit('error', new UnavailableError());
  }
  await consumed;
  assert.ok(failure() instanceof StoreUnavailableError);
  assert.deepEqual(
    reconnects.map((r) => [r.attempt, r.delayMs]),
    [
      [1, 2],
      [2, 4],
      [3, 4],
    ],
  );
});
