/**
 * A bounded-time fuzz test of the listener: seeded random hostile clients
 * (garbage before startup, bad and huge lengths, truncated frames followed by
 * a close or by silence, unknown message types, garbage instead of the
 * password, oversized messages before authentication, garbage in the TLS
 * handshake) against a real proxy with a certificate.
 * The proxy must not crash, must end every connection within a bound, answer
 * an ErrorResponse where the protocol allows one, keep its memory bounded,
 * and still serve psql afterwards.
 *
 * Reproduce a failure with the seed it printed:
 *   PORTCULLIS_FUZZ_SEED=1234 node scripts/run-tests.mjs int listener-fuzz
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PolicyEngine } from '@portcullis/policy';
import { BackendFrameReader } from '../protocol/backend-frame-reader.js';
import { decodeNoticeFields } from '../protocol/backend-decoders.js';
import { frontend } from '../protocol/index.js';
import { isProtocolViolation } from '../protocol/protocol-violation.js';
import { tempDir, type TempDir } from '@portcullis/test-support';
import { testAuthority } from '../testing/test-certificates.js';
import { startPgProxy, type PgProxy } from './pg-proxy-server.js';
import {
  DEPLOYER,
  TARGET,
  psqlThroughProxy,
  startProxyWorld,
  type ProxyWorld,
} from '../testing/proxy-fixture.js';

/** Wall-clock budget for generating cases; the whole test stays well under 30 s. */
const FUZZ_BUDGET_MS = 12_000;
const MAX_CASES = 2_000;
const CONCURRENCY = 12;
const STARTUP_TIMEOUT_MS = 1_500;
const IDLE_TIMEOUT_SECONDS = 2;
/** Every connection must be over this long after its last byte (timeouts plus slack for 2 busy cores). */
const END_BOUND_MS = 2_000 + Math.max(STARTUP_TIMEOUT_MS, IDLE_TIMEOUT_SECONDS * 1000) + 4_000;
const MEMORY_GROWTH_LIMIT = 100 * 1024 * 1024;

/** mulberry32: tiny, seedable, good enough to pick cases. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Ending = 'close' | 'silence';

interface FuzzCase {
  readonly name: string;
  readonly steps: Buffer[];
  readonly ending: Ending;
  /** SQLSTATEs one of which the client must receive (empty: no requirement). */
  readonly expectErrorIn: readonly string[];
  /** True when the case is allowed to reach ReadyForQuery (it authenticated with a real token). */
  readonly authenticates: boolean;
}

interface Outcome {
  readonly types: string[];
  readonly errors: string[];
  /** The proxy closed the connection (not us). */
  readonly closedByProxy: boolean;
  readonly ended: boolean;
}

const int32 = (value: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value | 0);
  return b;
};
const typed = (code: number, length: number, body: Buffer = Buffer.alloc(0)): Buffer =>
  Buffer.concat([Buffer.from([code]), int32(length), body]);

/** Frontend type bytes a 3.0 client may send once in a session. */
const FRONTEND_CODES = new Set('QPBDESHCFdcfXp'.split('').map((c) => c.charCodeAt(0)));

function generateCase(random: () => number, token: string): FuzzCase {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const bytes = (max: number): Buffer => {
    const b = Buffer.alloc(1 + Math.floor(random() * max));
    for (let i = 0; i < b.length; i++) b[i] = Math.floor(random() * 256);
    return b;
  };
  const ending: Ending = random() < 0.5 ? 'close' : 'silence';
  const startup = frontend.startupMessage({ user: 'agent', database: TARGET.name });
  const session = [startup, frontend.passwordMessage(token)];
  const unknownCode = (): number => {
    for (;;) {
      const code = Math.floor(random() * 256);
      if (!FRONTEND_CODES.has(code)) return code;
    }
  };
  const kinds: (() => FuzzCase)[] = [
    () => ({
      name: 'garbage before startup',
      steps: [bytes(300)],
      ending,
      expectErrorIn: ending === 'silence' ? ['08P01'] : [],
      authenticates: false,
    }),
    () => ({
      name: 'startup length too small',
      steps: [Buffer.concat([int32(Math.floor(random() * 8)), bytes(20)])],
      ending,
      expectErrorIn: ['08P01'],
      authenticates: false,
    }),
    () => ({
      name: 'huge startup length',
      steps: [Buffer.concat([int32(pick([0x7fffffff, 10_001, 0x10000000, -1])), bytes(40)])],
      ending,
      expectErrorIn: ['08P01'],
      authenticates: false,
    }),
    () => ({
      name: 'truncated startup',
      steps: [startup.subarray(0, 1 + Math.floor(random() * (startup.length - 1)))],
      ending,
      expectErrorIn: ending === 'silence' ? ['08P01'] : [],
      authenticates: false,
    }),
    () => ({
      // The listener has a certificate: the garbage lands in the TLS handshake, which fails; no error can be read.
      name: 'SSLRequest then garbage',
      steps: [frontend.sslRequest(), bytes(100)],
      ending,
      expectErrorIn: [],
      authenticates: false,
    }),
    () => ({
      name: 'SSLRequest then silence or close',
      steps: [frontend.sslRequest()],
      ending,
      expectErrorIn: [],
      authenticates: false,
    }),
    () => ({
      name: 'garbage instead of the password',
      steps: [startup, bytes(200)],
      ending,
      expectErrorIn: ending === 'silence' ? ['28P01', '08P01'] : [],
      authenticates: false,
    }),
    () => ({
      name: 'huge password message',
      steps: [startup, typed(0x70, pick([0x7fffffff, 65_536, 0x01000000]))],
      ending,
      expectErrorIn: ['28P01'],
      authenticates: false,
    }),
    () => ({
      name: 'truncated password message',
      steps: [startup, frontend.passwordMessage(token).subarray(0, 1 + Math.floor(random() * 100))],
      ending,
      expectErrorIn: ending === 'silence' ? ['08P01'] : [],
      authenticates: false,
    }),
    () => ({
      name: 'password message with a bad length',
      steps: [startup, typed(0x70, Math.floor(random() * 4), bytes(10))],
      ending,
      expectErrorIn: ['28P01'],
      authenticates: false,
    }),
    () => ({
      name: 'unknown message type after startup',
      steps: [...session, typed(unknownCode(), 4 + Math.floor(random() * 20)), bytes(30)],
      ending,
      expectErrorIn: ['08P01'],
      authenticates: true,
    }),
    () => ({
      name: 'bad length in a session',
      steps: [...session, typed(pick([0x51, 0x50, 0x42, 0x64]), Math.floor(random() * 4) - 2)],
      ending,
      expectErrorIn: ['08P01'],
      authenticates: true,
    }),
    () => ({
      name: 'huge length in a session',
      steps: [...session, typed(pick([0x51, 0x50, 0x42, 0x64]), 0x7fffffff)],
      ending,
      expectErrorIn: ['08P01'],
      authenticates: true,
    }),
    () => {
      const query = frontend.query('SELECT 1');
      return {
        name: 'truncated query in a session',
        steps: [...session, query.subarray(0, 1 + Math.floor(random() * (query.length - 1)))],
        ending,
        // Silence: the idle timeout ends it.
        expectErrorIn: ending === 'silence' ? ['57P05'] : [],
        authenticates: true,
      };
    },
    () => {
      const code = pick([0x51, 0x50, 0x42, 0x45, 0x44, 0x43]);
      return {
        name: `malformed ${String.fromCharCode(code)} in a session`,
        steps: [...session, typed(code, 4 + 6, Buffer.alloc(6, 0x41))],
        ending,
        expectErrorIn: ['08P01'],
        authenticates: true,
      };
    },
    () => ({
      name: 'random frames in a session',
      steps: [...session, ...Array.from({ length: 1 + Math.floor(random() * 5) }, () => bytes(60))],
      ending,
      expectErrorIn: [],
      authenticates: true,
    }),
  ];
  return pick(kinds)();
}

/** One hostile client: sends its steps, then closes or goes silent, and watches what the proxy does. */
function runCase(port: number, fuzz: FuzzCase): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closedByProxy = false;
    let weClosed = false;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('end', () => {
      if (!weClosed) closedByProxy = true;
    });
    const finish = (ended: boolean) => {
      clearTimeout(bound);
      socket.destroy();
      resolve({ ...summarize(Buffer.concat(chunks)), closedByProxy, ended });
    };
    socket.on('close', () => finish(true));
    const bound = setTimeout(() => finish(false), END_BOUND_MS);
    socket.on('connect', async () => {
      for (const step of fuzz.steps) {
        if (socket.destroyed || closedByProxy) break;
        socket.write(step);
        await new Promise((r) => setTimeout(r, 20));
      }
      if (fuzz.ending === 'close' && !socket.destroyed) {
        weClosed = true;
        socket.end();
      }
    });
  });
}

function summarize(bytes: Buffer): { types: string[]; errors: string[] } {
  const types: string[] = [];
  const errors: string[] = [];
  let offset = 0;
  // Single 'N' bytes answer encryption requests.
  while (bytes[offset] === 0x4e && (bytes.length - offset === 1 || bytes[offset + 1] !== 0)) {
    types.push('N(ssl)');
    offset++;
  }
  new BackendFrameReader().read(bytes.subarray(offset), (frame) => {
    if (isProtocolViolation(frame)) return false;
    types.push(String.fromCharCode(frame.code));
    if (frame.code === 0x45) {
      const fields = decodeNoticeFields(frame.frame);
      if (!isProtocolViolation(fields)) errors.push(fields.C ?? '');
    }
    return true;
  });
  return { types, errors };
}

/**
 * Clients that send many megabytes of a message that can never be valid
 * before authentication: memory must follow what the proxy accepts, not
 * what a length field claims or what a client manages to send.
 */
async function floodBeforeAuthentication(
  port: number,
  clients: number,
  megabytes: number,
  sample: () => void,
): Promise<void> {
  const startup = frontend.startupMessage({ user: 'agent', database: TARGET.name });
  const chunk = Buffer.alloc(1024 * 1024, 0x41);
  await Promise.all(
    Array.from(
      { length: clients },
      () =>
        new Promise<void>((resolve) => {
          const socket = connect(port, '127.0.0.1');
          socket.on('error', () => undefined);
          socket.on('close', () => resolve());
          socket.on('data', () => undefined);
          const timer = setTimeout(() => socket.destroy(), END_BOUND_MS);
          socket.on('close', () => clearTimeout(timer));
          socket.on('connect', async () => {
            // A Query 60 MB long where a password belongs, then its bytes.
            socket.write(Buffer.concat([startup]));
            await new Promise((r) => setTimeout(r, 20));
            socket.write(typed(0x51, 60 * 1024 * 1024));
            for (let i = 0; i < megabytes && !socket.destroyed; i++) {
              if (!socket.write(chunk)) await drainedOrClosed(socket);
              sample();
            }
            socket.end();
          });
        }),
    ),
  );
}

function drainedOrClosed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done).off('close', done);
      resolve();
    };
    socket.on('drain', done).on('close', done);
  });
}

describe('the listener under a bounded fuzz test', () => {
  let world: ProxyWorld;
  let proxy: PgProxy;
  let dir: TempDir;
  before(async () => {
    world = await startProxyWorld();
    dir = await tempDir('portcullis-fuzz-');
    const certificate = testAuthority(dir.path).issue('localhost', { ip: ['127.0.0.1'] });
    proxy = await startPgProxy({
      ...world.options,
      // The policy's 50 ms evaluation budget fails closed by design; under this
      // flood a GC pause can exceed it, and that is not what this test is about.
      policy: await PolicyEngine.load(world.policy.source, { budgetNs: 10_000_000_000 }),
      // TLS offered (loopback: plaintext still allowed), so the handshake path is fuzzed too.
      tls: { cert: certificate.cert, key: certificate.key },
      startupTimeoutMs: STARTUP_TIMEOUT_MS,
      idleTimeoutSeconds: IDLE_TIMEOUT_SECONDS,
    });
  });
  after(async () => {
    await proxy?.close();
    await world?.stop();
    await dir?.remove();
  });

  it('survives seeded hostile clients: every connection ends, errors where allowed, bounded memory, psql works after', async (t) => {
    const seed = Number(process.env.PORTCULLIS_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
    t.diagnostic(`fuzz seed ${seed} (PORTCULLIS_FUZZ_SEED=${seed} reproduces it)`);
    console.log(`listener fuzz seed: ${seed}`);
    const random = prng(seed);
    const token = await world.oidc.issueToken(DEPLOYER);
    const port = proxy.address.port;
    globalThis.gc?.();
    // RSS of a process that already allocated and freed a lot may not move
    // when buffers are reused, so the memory held by Buffers is watched too.
    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakBuffers = before.arrayBuffers;
    const sample = () => {
      const now = process.memoryUsage();
      peakRss = Math.max(peakRss, now.rss);
      peakBuffers = Math.max(peakBuffers, now.arrayBuffers);
    };
    const sampler = setInterval(sample, 20);

    const failures: string[] = [];
    let ran = 0;
    const deadline = Date.now() + FUZZ_BUDGET_MS;
    try {
      await floodBeforeAuthentication(port, 12, 48, sample);
      t.diagnostic(`after the flood: RSS peak ${mb(peakRss)}; buffers peak ${mb(peakBuffers)}`);
      // CONCURRENCY clients at a time; each case is generated when it starts, so a seed
      // always yields the same sequence of cases (how far it gets depends on the machine).
      const worker = async () => {
        while (Date.now() < deadline && ran < MAX_CASES) {
          const index = ran++;
          const fuzz = generateCase(random, token);
          const outcome = await runCase(port, fuzz);
          const label = `case ${index} (${fuzz.name}, ${fuzz.ending}): ${outcome.types.join(',')} [${outcome.errors.join(',')}]`;
          if (!outcome.ended) failures.push(`${label}: not closed within ${END_BOUND_MS} ms`);
          if (fuzz.ending === 'silence' && !outcome.closedByProxy)
            failures.push(`${label}: the proxy never closed a silent client`);
          // A client that half-closed at once may be gone before a token check is done: no answer is owed.
          const answerOwed = fuzz.ending === 'silence' || !fuzz.authenticates;
          if (
            answerOwed &&
            fuzz.expectErrorIn.length > 0 &&
            !outcome.errors.some((code) => fuzz.expectErrorIn.includes(code))
          ) {
            failures.push(`${label}: expected an ErrorResponse ${fuzz.expectErrorIn.join('|')}`);
          }
          if (!fuzz.authenticates && outcome.types.includes('Z'))
            failures.push(`${label}: reached ReadyForQuery without a token`);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    } finally {
      clearInterval(sampler);
    }
    t.diagnostic(
      `${ran} cases; RSS ${mb(before.rss)} → peak ${mb(peakRss)}; buffers ${mb(before.arrayBuffers)} → peak ${mb(peakBuffers)}`,
    );
    assert.ok(ran >= CONCURRENCY * 3, `too few cases ran (${ran})`);
    assert.deepEqual(failures.slice(0, 20), [], `seed ${seed}`);
    assert.ok(
      peakRss - before.rss < MEMORY_GROWTH_LIMIT,
      `seed ${seed}: RSS grew by ${mb(peakRss - before.rss)} (limit ${mb(MEMORY_GROWTH_LIMIT)})`,
    );
    assert.ok(
      peakBuffers - before.arrayBuffers < MEMORY_GROWTH_LIMIT,
      `seed ${seed}: buffers grew by ${mb(peakBuffers - before.arrayBuffers)} (limit ${mb(MEMORY_GROWTH_LIMIT)})`,
    );

    // Still a working proxy.
    const result = await psqlThroughProxy(
      { ...world, proxy },
      'SELECT owner FROM public.accounts WHERE id = 1',
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'alice');
  });
});

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
