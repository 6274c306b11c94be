import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { postgresBinDir, startPostgres } from './postgres-server.js';

test('startPostgres runs a real server that answers queries, and stop removes it', async () => {
  const server = await startPostgres();
  const psql = join(postgresBinDir(), 'psql');
  const out = execFileSync(psql, [server.url(), '-Atc', 'select 40 + 2']).toString().trim();
  assert.equal(out, '42');
  await server.stop();
  assert.equal(existsSync(server.dataDir), false);
});
