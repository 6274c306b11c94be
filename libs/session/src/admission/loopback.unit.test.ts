import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopbackAddress } from './loopback.js';

test('loopback addresses, and only those, are loopback', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '::ffff:127.0.0.1']) {
    assert.equal(isLoopbackAddress(host), true, host);
  }
  for (const host of [
    '0.0.0.0',
    '::',
    '10.0.0.1',
    '192.168.1.1',
    '::ffff:10.0.0.1',
    '127.example.com',
    'db.internal',
  ]) {
    assert.equal(isLoopbackAddress(host), false, host);
  }
});
