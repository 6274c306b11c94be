/**
 * Token verifications per second and latency percentiles with a warm JWKS
 * cache, for RS256 (2048-bit) and ES256 (P-256).
 *
 *   npx tsc -b bench && node bench/dist/identity/verify.bench.js
 *
 * Each algorithm is measured twice: one verification at a time (latency,
 * the cost a single connecting client sees) and 32 in flight (throughput;
 * WebCrypto runs the signature check on libuv's thread pool, so this can
 * use more than one core). Prints a table and writes
 * bench/results/identity.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { cpus } from 'node:os';
import { createTokenVerifier, type TokenVerifier } from '@portcullis/identity';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

type Alg = 'RS256' | 'ES256';
const ISSUER = 'https://idp.bench.portcullis.test';
const AUDIENCE = 'api://portcullis';
const TOKENS_PER_ALG = 64;
const MEASURE_MS = Number(process.env.BENCH_MS ?? 3000);
const CONCURRENCY = 32;

interface Row {
  alg: Alg;
  mode: 'sequential' | `concurrent-${number}`;
  verifications: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

async function main(): Promise<void> {
  const keys = await Promise.all((['RS256', 'ES256'] as const).map(signingKey));
  const jwks = JSON.stringify({ keys: keys.map((k) => k.publicJwk) });
  const server = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(jwks),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const verifier = createTokenVerifier([
      { issuer: ISSUER, audiences: [AUDIENCE], jwksUrl: `http://127.0.0.1:${port}/jwks` },
    ]);
    await verifier.warm();
    const rows: Row[] = [];
    for (const key of keys) {
      const tokens = await Promise.all(Array.from({ length: TOKENS_PER_ALG }, (_, i) => key.sign(i)));
      await run(verifier, tokens, 1, 300); // warm up: key import, JIT
      rows.push(summarise(key.alg, 'sequential', await run(verifier, tokens, 1, MEASURE_MS)));
      rows.push(
        summarise(key.alg, `concurrent-${CONCURRENCY}`, await run(verifier, tokens, CONCURRENCY, MEASURE_MS)),
      );
    }
    print(rows);
    await mkdir(new URL('../results/', resolveBenchDir()), { recursive: true });
    const out = new URL('../results/identity.json', resolveBenchDir());
    await writeFile(
      out,
      `${JSON.stringify(
        {
          benchmark: 'identity/verify',
          recordedAt: new Date().toISOString(),
          node: process.version,
          cpus: cpus().length,
          cpuModel: cpus()[0]?.model,
          measureMs: MEASURE_MS,
          results: rows,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`\nwrote ${out.pathname}`);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** `bench/identity/` whether run from the compiled `bench/dist/identity/` or not. */
function resolveBenchDir(): URL {
  const here = new URL('./', import.meta.url);
  return here.pathname.includes('/dist/') ? new URL('../../identity/', here) : here;
}

async function signingKey(alg: Alg) {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const kid = `bench-${alg}`;
  return {
    alg,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
    sign: (i: number) =>
      new SignJWT({ sub: `agent-${i}`, client_id: `agent-${i}`, groups: ['bench'], roles: ['db.read'] })
        .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey),
  };
}

/** Keeps `concurrency` verifications in flight for `ms`, timing each one. */
async function run(verifier: TokenVerifier, tokens: string[], concurrency: number, ms: number) {
  const latencies: number[] = [];
  const deadline = performance.now() + ms;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const token = tokens[next++ % tokens.length]!;
        const t0 = performance.now();
        const result = await verifier.verify(token);
        latencies.push(performance.now() - t0);
        if (!result.ok) throw new Error(`bench token rejected: ${result.reason} ${result.detail}`);
      }
    }),
  );
  return { latencies, elapsedMs: performance.now() - started };
}

function summarise(alg: Alg, mode: Row['mode'], run: { latencies: number[]; elapsedMs: number }): Row {
  const sorted = [...run.latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return {
    alg,
    mode,
    verifications: sorted.length,
    perSecond: Math.round((sorted.length / run.elapsedMs) * 1000),
    p50Ms: round(at(0.5)),
    p99Ms: round(at(0.99)),
  };
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

function print(rows: Row[]): void {
  const header = ['alg', 'mode', 'verifications', 'verif/s', 'p50 ms', 'p99 ms'];
  const lines = rows.map((r) => [r.alg, r.mode, r.verifications, r.perSecond, r.p50Ms, r.p99Ms].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  console.log(format(header));
  for (const line of lines) console.log(format(line));
}

await main();
