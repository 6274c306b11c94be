import { tempDir } from '@portcullis/test-support';
import { runEventStoreContract } from '../contract/event-store-contract.js';
import { openSqlEventStore } from '../open-event-store.js';

runEventStoreContract(
  'pglite',
  async () => {
    const dir = await tempDir('portcullis-pglite-');
    const { store } = await openSqlEventStore({ kind: 'pglite', dataDir: dir.path });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await dir.remove();
      },
    };
  },
  { groupCommit: true },
);
