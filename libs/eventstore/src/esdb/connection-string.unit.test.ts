import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeConnectionString, withConnectionName } from './connection-string.js';

test('descriptions name scheme and hosts, never credentials', () => {
  assert.equal(
    describeConnectionString('esdb://admin:changeit@db1:2113,db2:2113?tls=false'),
    'esdb db1:2113,db2:2113',
  );
  assert.equal(
    describeConnectionString('esdb+discover://cluster.internal:2113'),
    'esdb+discover cluster.internal:2113',
  );
  assert.doesNotMatch(describeConnectionString('nonsense admin:changeit'), /changeit/);
});

test('the connection is named after the gateway instance unless the string names it', () => {
  assert.equal(
    withConnectionName('esdb://h:2113?tls=false', 'gw-1'),
    'esdb://h:2113?tls=false&connectionName=portcullis-gw-1',
  );
  assert.equal(withConnectionName('esdb://h:2113', 'gw 1'), 'esdb://h:2113?connectionName=portcullis-gw%201');
  assert.equal(
    withConnectionName('esdb://h:2113?connectionName=x', 'gw-1'),
    'esdb://h:2113?connectionName=x',
  );
  assert.equal(withConnectionName('esdb://h:2113', undefined), 'esdb://h:2113');
});
