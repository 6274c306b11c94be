import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runEventStoreContract } from '../contract/event-store-contract.js';
import { createEsdbEventStore } from './esdb-event-store.js';

/*
 * The shared contract against a real EventStoreDB / KurrentDB, e.g.
 *   PORTCULLIS_ESDB_URL='esdb://localhost:2113?tls=false' npm run test:int
 * The suite uses fresh random stream names, so a server that already holds
 * data (even from earlier runs) is fine. Without the variable, one test says
 * plainly that the suite did not run.
 */
const url = process.env.PORTCULLIS_ESDB_URL;

if (url) {
  runEventStoreContract('esdb', async () => {
    const store = createEsdbEventStore({ connectionString: url, gatewayInstance: 'contract-test' });
    await store.ping();
    return { store, cleanup: () => store.close() };
  });
} else {
  test('EventStoreDB contract suite did NOT run: PORTCULLIS_ESDB_URL is unset', (t) => {
    t.diagnostic('set PORTCULLIS_ESDB_URL=esdb://localhost:2113?tls=false to run the esdb contract suite');
    assert.equal(process.env.PORTCULLIS_ESDB_URL, undefined);
  });
}
