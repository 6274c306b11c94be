import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDomainEvent, matchesFilter, toEsdbFilter } from './event-filter.js';

test('system streams, system events and checkpoint streams are not domain events', () => {
  assert.equal(isDomainEvent('session-1', 'SessionOpened'), true);
  assert.equal(isDomainEvent('$stats-node', '$statsCollected'), false);
  assert.equal(isDomainEvent('$$session-1', '$metadata'), false);
  assert.equal(isDomainEvent('session-1', '$>'), false);
  assert.equal(isDomainEvent('portcullis_checkpoint-siem', 'PortcullisCheckpointStored'), false);
});

test('the port filter: prefixes OR-ed, types exact, both AND-ed; empty lists restrict nothing', () => {
  const e = { streamName: 'session-1', type: 'CommandDecided' };
  assert.equal(matchesFilter(e), true);
  assert.equal(matchesFilter(e, { streamPrefixes: ['approval-', 'session-'] }), true);
  assert.equal(matchesFilter(e, { streamPrefixes: ['approval-'] }), false);
  assert.equal(matchesFilter(e, { eventTypes: ['CommandDecided'] }), true);
  assert.equal(matchesFilter(e, { eventTypes: ['CommandDecide'] }), false);
  assert.equal(matchesFilter(e, { streamPrefixes: ['session-'], eventTypes: ['SessionOpened'] }), false);
  assert.equal(matchesFilter(e, { streamPrefixes: [], eventTypes: [] }), true);
});

test('server side: stream prefixes first, else an anchored and escaped type regex, else no system events', () => {
  const byStream = toEsdbFilter({ streamPrefixes: ['session-'], eventTypes: ['SessionOpened'] });
  assert.equal(byStream.filterOn, 'streamName');
  assert.deepEqual('prefixes' in byStream && byStream.prefixes, ['session-']);

  const byType = toEsdbFilter({ eventTypes: ['CommandDecided', 'a.b'] });
  assert.equal(byType.filterOn, 'eventType');
  assert.ok('regex' in byType);
  const regex = new RegExp(byType.regex);
  assert.equal(regex.test('CommandDecided'), true);
  assert.equal(regex.test('CommandDecidedV2'), false);
  assert.equal(regex.test('a.b'), true);
  assert.equal(regex.test('axb'), false);

  const none = toEsdbFilter(undefined);
  assert.equal(none.filterOn, 'eventType');
  assert.ok('regex' in none && new RegExp(none.regex).test('$statsCollected') === false);
});

test('the checkpoint callback is passed through to the server filter', () => {
  const callback = () => {};
  assert.equal(toEsdbFilter({ streamPrefixes: ['s'] }, callback).checkpointReached, callback);
  assert.equal(toEsdbFilter(undefined, callback).checkpointReached, callback);
});
