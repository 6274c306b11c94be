/**
 * `COPY … TO STDOUT` masked on the wire: psql's \copy and COPY in text and
 * CSV, columns resolved from the COPY's source described on the client's own
 * session, detectors on the rest, escapes kept intact, the extended protocol
 * masked whole, and ResultMasked with counts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RecordedEvent } from '@portcullis/events';
import { frontend } from '../protocol/index.js';
import { BufferWriter } from '../protocol/buffer-writer.js';
import { FrontendCode } from '../protocol/message-codes.js';
import {
  DEPLOYER,
  SENSITIVE_ROWS,
  TARGET,
  psqlThroughProxy,
  startProxyWorld,
  type ProxyWorld,
} from '../testing/proxy-fixture.js';
import { password, rawExchange, startup } from '../testing/raw-client.js';

describe('COPY … TO STDOUT is masked', () => {
  let world: ProxyWorld;
  before(async () => {
    world = await startProxyWorld();
    // A row whose values need text-format escapes (tab, newline, backslash) in sensitive and plain columns.
    world.direct(
      "INSERT INTO public.users VALUES (3, E'tab\\tuser@example.net', '111-22-3333', NULL, E'line\\none\\\\two\\tend')",
    );
  });
  after(() => world?.stop());

  const rawOf = (id: number) => SENSITIVE_ROWS.find((r) => r.id === id)!;

  it('psql \\copy (select …) to stdout: masked values, plain ones intact', async () => {
    const out = await psqlThroughProxy(
      world,
      '\\copy (SELECT id, email, ssn, card, note FROM public.users ORDER BY id) to stdout',
    );
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.split('\n');
    assert.equal(lines.length, 3);
    const [id, email, ssn, card, note] = lines[0]!.split('\t');
    assert.equal(id, '1');
    assert.match(email!, /^a\*+@example\.com$/, 'partial, as in a query');
    assert.equal(ssn, '****');
    assert.equal(card, '****', 'credit_card detector');
    assert.equal(note, 'paid with **** today', 'only the detected span');
    // Escapes: the masked email keeps a valid encoding, the plain note its escapes, NULL stays \N.
    const third = lines[2]!.split('\t');
    assert.equal(third.length, 5, lines[2]);
    assert.equal(third[3], '\\N');
    assert.equal(third[4], 'line\\none\\\\two\\tend');
    assert.ok(!out.stdout.includes(rawOf(1).ssn) && !out.stdout.includes('111-22-3333'));
    assert.ok(!out.stdout.includes(rawOf(2).email));
  });

  it('COPY table (columns) TO STDOUT in CSV with a header, and the whole table in text', async () => {
    const csv = await psqlThroughProxy(
      world,
      'COPY public.users (id, ssn, email) TO STDOUT WITH (FORMAT csv, HEADER)',
    );
    assert.equal(csv.code, 0, csv.stderr);
    const [header, first] = csv.stdout.split('\n');
    assert.equal(header, 'id,ssn,email');
    assert.match(first!, /^1,"\*\*\*\*","a\*+@example\.com"$/);
    const text = await psqlThroughProxy(world, 'COPY public.users TO STDOUT');
    assert.equal(text.code, 0, text.stderr);
    for (const row of SENSITIVE_ROWS) {
      assert.ok(!text.stdout.includes(row.ssn) && !text.stdout.includes(row.email), text.stdout);
    }
    assert.equal(text.stdout.split('\n').length, 3);
  });

  it('a table with nothing sensitive is copied unchanged', async () => {
    const out = await psqlThroughProxy(world, 'COPY public.accounts TO STDOUT (FORMAT csv)');
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, '1,alice\n2,bob\n3,carol');
  });

  it('binary COPY is refused before it runs', async () => {
    const out = await psqlThroughProxy(world, 'COPY public.users TO STDOUT (FORMAT binary)');
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /portcullis: denied: COPY of a sensitive column: COPY in binary format/);
  });

  it('COPY through the extended protocol (no layout described): every column masked whole', async () => {
    const writer = new BufferWriter();
    const sql = 'COPY public.users (id, ssn) TO STDOUT';
    const result = await rawExchange(world.proxy.address.port, [
      startup(TARGET.name),
      password(await world.oidc.issueToken(DEPLOYER)),
      Buffer.concat([
        writer.cstring('').cstring(sql).int16(0).frame(FrontendCode.Parse),
        writer.cstring('').cstring('').int16(0).int16(0).int16(0).frame(FrontendCode.Bind),
        writer.cstring('').int32(0).frame(FrontendCode.Execute),
        writer.frame(FrontendCode.Sync),
      ]),
      frontend.terminate(),
    ]);
    assert.ok(result.types.includes('H') && result.types.includes('d'), result.types.join(','));
    const bytes = result.bytes.toString('latin1');
    assert.ok(!bytes.includes(rawOf(1).ssn) && !bytes.includes('111-22-3333'), bytes);
    assert.ok(bytes.includes('****\t****\n'), 'the id too: the proxy could not tell the columns apart');
  });

  it('ResultMasked for a COPY carries columns, methods and counts', async () => {
    const text = 'COPY (SELECT ssn FROM public.users WHERE id <= 2 ORDER BY id) TO STDOUT';
    const out = await psqlThroughProxy(world, text);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, '****\n****');
    const events = await eventually(async () => {
      for (const stream of (await world.sessions()).values()) {
        if (stream.some((e) => e.type === 'CommandReceived' && (e.data as { text: string }).text === text))
          return stream.some((e) => e.type === 'ResultMasked') ? stream : undefined;
      }
      return undefined;
    });
    const masked = events.find((e) => e.type === 'ResultMasked')!.data as {
      columns: { column: string; method: string; count: number }[];
    };
    assert.deepEqual(
      masked.columns.map((c) => [c.column, c.method, c.count]),
      [['public.users.ssn', 'redact', 2]],
    );
    const completed = events.find((e) => e.type === 'CommandCompleted')!.data as {
      commandTag: string;
      rows: number;
    };
    assert.equal(completed.commandTag, 'COPY 2');
    assert.ok(!JSON.stringify(events.map((e) => e.data)).includes(rawOf(1).ssn));
  });
});

async function eventually(find: () => Promise<RecordedEvent[] | undefined>): Promise<RecordedEvent[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = await find();
    if (found) return found;
    if (Date.now() > deadline) assert.fail('events did not arrive');
    await new Promise((r) => setTimeout(r, 50));
  }
}
