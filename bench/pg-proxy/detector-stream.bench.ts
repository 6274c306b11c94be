/**
 * What the free-text detectors cost on a streamed result: the 1,000,000-row
 * tables of the streaming case (result-stream.ts) read through psql to
 * /dev/null, direct and through the proxy with the detectors off, with the
 * shipped eight on (every text value scanned), and with the three masked
 * columns as well. Audit events go to a discarding store so the figures are
 * the relay's and the masking's, not the event store's.
 *
 *   npx tsc -b bench && node bench/dist/pg-proxy/detector-stream.bench.js
 *
 * BENCH_STREAM_ROWS (default 1000000), BENCH_STREAM_REPEATS (default 3, median).
 */
import { DETECTOR_KINDS } from '@portcullis/masking';
import { startPostgres, tempDir } from '@portcullis/test-support';
import { startPortcullis, TARGET } from './portcullis-proxy.js';
import {
  MASKED_STREAM,
  psql,
  STREAM_ROWS,
  streamSeconds,
  streamTablesSql,
  UNMASKED_STREAM,
  type StreamConnection,
} from './result-stream.js';

const REPEATS = Number(process.env.BENCH_STREAM_REPEATS ?? 3);

async function median(connection: StreamConnection, sql: string): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < REPEATS; i++) runs.push(await streamSeconds(connection, sql));
  return runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
}

const upstream = await startPostgres({});
const dir = await tempDir('portcullis-detector-bench-');
try {
  const direct: StreamConnection = { port: upstream.port, database: 'postgres', password: '' };
  console.error(`loading ${STREAM_ROWS} rows…`);
  await psql(direct, streamTablesSql(STREAM_ROWS));
  const rows: { path: string; seconds: number }[] = [
    { path: 'direct', seconds: await median(direct, UNMASKED_STREAM) },
  ];
  const variants: [string, readonly string[], string][] = [
    ['portcullis, detectors off, no masked column', DETECTOR_KINDS, UNMASKED_STREAM],
    ['portcullis, 8 detectors on every text value', [], UNMASKED_STREAM],
    ['portcullis, 3 masked columns, detectors off', DETECTOR_KINDS, MASKED_STREAM],
    ['portcullis, 3 masked columns + 8 detectors', [], MASKED_STREAM],
  ];
  for (const [i, [path, off, sql]] of variants.entries()) {
    const proxy = await startPortcullis(upstream, `${dir.path}/${i}`, { kind: 'discard' }, off);
    try {
      const connection = {
        port: proxy.proxy.address.port,
        database: TARGET.name,
        password: await proxy.token(),
      };
      rows.push({ path, seconds: await median(connection, sql) });
    } finally {
      await proxy.stop();
    }
  }
  const base = rows[1]!.seconds;
  console.log(`| path | seconds | rows/s | vs detectors off |`);
  console.log(`| --- | --- | --- | --- |`);
  for (const { path, seconds } of rows) {
    const rate = Math.round(STREAM_ROWS / seconds).toLocaleString('en-US');
    console.log(`| ${path} | ${seconds.toFixed(2)} | ${rate} | ${(base / seconds).toFixed(2)}× |`);
  }
} finally {
  await upstream.stop();
  await dir.remove();
}
