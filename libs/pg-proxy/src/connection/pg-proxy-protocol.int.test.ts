import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { RecordedEvent } from '@portcullis/events';
import { frontend } from '../protocol/index.js';
import { ROLES } from '../testing/postgres-auth.js';
import { DEPLOYER, TARGET, startProxyWorld, type ProxyWorld } from '../testing/proxy-fixture.js';
import { password, query, rawExchange, startup } from '../testing/raw-client.js';

/** Messages no driver sends: violations, unsupported messages, garbage. Raw bytes against the real proxy. */
describe('the PostgreSQL proxy refuses what it does not understand', () => {
  let world: ProxyWorld;
  before(async () => {
    world = await startProxyWorld();
  });
  after(() => world.stop());

  const port = () => world.proxy.address.port;
  const token = () => world.oidc.issueToken(DEPLOYER);

  async function closedSessions(): Promise<RecordedEvent[]> {
    return [...(await world.sessions()).values()].flat().filter((e) => e.type === 'SessionClosed');
  }

  it('answers SSLRequest with N, then serves plaintext; the handshake carries no upstream secret', async () => {
    const result = await rawExchange(port(), [
      frontend.sslRequest(),
      startup(TARGET.name),
      password(await token()),
      frontend.terminate(),
    ]);
    assert.deepEqual(result.types.slice(0, 2), ['N(ssl)', 'R']);
    assert.ok(result.types.includes('K') && result.types.includes('Z'), result.types.join(','));
    const text = result.bytes.toString('latin1');
    assert.ok(!text.includes(ROLES.scram.password), 'no upstream password');
    assert.ok(!text.includes(ROLES.scram.user), 'no upstream role name (session_authorization is rewritten)');
  });

  it('an unknown message in a session: 08P01, connection closed, SessionClosed protocol_violation', async () => {
    const before = (await closedSessions()).length;
    const garbage = Buffer.from([0x21, 0, 0, 0, 4]); // '!' is no frontend message
    const result = await rawExchange(port(), [startup(TARGET.name), password(await token()), garbage]);
    assert.ok(result.closed);
    assert.deepEqual(result.errors, ['08P01']);
    const closed = (await closedSessions()).slice(before);
    assert.deepEqual(
      closed.map((e) => (e.data as { reason: string }).reason),
      ['protocol_violation'],
    );
  });

  it('CopyData outside COPY, and FunctionCall: refused', async () => {
    const copy = await rawExchange(port(), [
      startup(TARGET.name),
      password(await token()),
      Buffer.from([0x64, 0, 0, 0, 5, 0x41]), // CopyData "A"
    ]);
    assert.deepEqual(copy.errors, ['08P01']);
    assert.ok(copy.closed);
    // FunctionCall of oid 1 with no arguments, text result.
    const fn = Buffer.from([0x46, 0, 0, 0, 14, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    const call = await rawExchange(port(), [
      startup(TARGET.name),
      password(await token()),
      fn,
      query('SELECT 1'),
    ]);
    assert.deepEqual(call.errors, ['42501']);
    assert.ok(call.types.slice(-4).join('') === 'TDCZ', `session usable after: ${call.types.join(',')}`);
  });

  it('a client speaking before its turn, huge lengths, truncated frames: an error or a close, never a crash', async () => {
    const cases: Buffer[][] = [
      [Buffer.concat([frontend.sslRequest(), startup(TARGET.name)])], // bytes after SSLRequest (CVE-2021-23214)
      [Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 3, 0, 0])], // 2 GiB startup packet
      [startup(TARGET.name), Buffer.from([0x70, 0x7f, 0xff, 0xff, 0xff])], // 2 GiB password message
      [startup(TARGET.name).subarray(0, 10)], // truncated startup, then silence
      [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
      [startup('postgres')],
    ];
    // Random garbage, bounded: 30 cases of up to 200 bytes.
    for (let i = 0; i < 30; i++) cases.push([randomBytes(1 + ((i * 7) % 200))]);
    const results = await Promise.all(cases.map((steps) => rawExchange(port(), steps, 800)));
    assert.deepEqual(
      results.slice(0, 6).map((r) => r.errors),
      [['08P01'], ['08P01'], ['28P01'], [], ['08P01'], ['3D000']],
    );
    for (const [i, result] of results.entries()) {
      const answered = result.errors.length > 0 || result.closed || result.types.length === 0;
      assert.ok(answered, `case ${i}: ${result.types.join(',')}`);
      assert.ok(!result.types.includes('Z'), `case ${i} must never reach ReadyForQuery`);
    }
    // The proxy still serves.
    const ok = await rawExchange(
      port(),
      [startup(TARGET.name), password(await token()), query('SELECT 1')],
      800,
    );
    assert.ok(ok.types.includes('D'), ok.types.join(','));
  });

  it('COPY FROM STDIN after an allowed statement relays the copy data', async () => {
    const data = Buffer.from('20\tzed\n');
    const result = await rawExchange(port(), [
      startup(TARGET.name),
      password(await token()),
      query('COPY public.accounts FROM STDIN'),
      Buffer.concat([Buffer.from([0x64]), int32(4 + data.length), data]),
      Buffer.from([0x63, 0, 0, 0, 4]), // CopyDone
      frontend.terminate(),
    ]);
    assert.deepEqual(result.errors, [], result.types.join(','));
    assert.ok(result.types.includes('G'));
    assert.equal(world.direct('SELECT owner FROM public.accounts WHERE id = 20'), 'zed');
    world.direct('DELETE FROM public.accounts WHERE id = 20');
  });
});

function int32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value);
  return b;
}
