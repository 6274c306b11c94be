import pg from 'pg';
import { encodeForChain } from '@portcullis/events';
import { startPostgres, type PostgresServer } from '@portcullis/test-support';
import { runEventStoreContract } from '../contract/event-store-contract.js';
import { openSqlEventStore } from '../open-event-store.js';
import { appendBatch } from '../sql/append-batch.js';
import { StreamHeads } from '../sql/stream-heads.js';

let server: PostgresServer;

runEventStoreContract(
  'postgres (real server)',
  async () => {
    server = await startPostgres();
    const { store } = await openSqlEventStore({ kind: 'postgres', url: server.url() });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await server.stop();
      },
    };
  },
  {
    groupCommit: true,
    // The store's own append, on its own connection, held open before COMMIT.
    beginSlowAppend: async (streamName, events) => {
      const client = new pg.Client({ connectionString: server.url() });
      await client.connect();
      const tx = {
        query: async <Row>(text: string, params?: readonly unknown[]) => ({
          rows: (await client.query(text, params ? [...params] : undefined)).rows as Row[],
        }),
        exec: async <Row>(script: string) => {
          const results = (await client.query(script)) as unknown as pg.QueryResult | pg.QueryResult[];
          return (Array.isArray(results) ? results : [results]).map((r) => ({ rows: r.rows as Row[] }));
        },
      };
      await client.query('BEGIN');
      const {
        outcomes: [outcome],
      } = await appendBatch(
        tx,
        [
          {
            streamName,
            events,
            expected: 'no_stream',
            encoded: events.map((e) => encodeForChain({ ...e, streamName })),
          },
        ],
        new StreamHeads(),
      );
      if (!outcome || !('ok' in outcome) || !outcome.ok) throw new Error('slow append failed');
      return {
        commit: async () => {
          await client.query('COMMIT');
          await client.end();
        },
      };
    },
  },
);
