import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createMasker, createScanner, MaskingReport } from '@portcullis/masking';
import type { PolicyDecision, PostgresCommand } from '@portcullis/policy';
import { classifyCommand, initSqlParser } from '@portcullis/sql';
import { backend, frontend } from '../protocol/index.js';
import { FrontendParser } from '../protocol/frontend-parser.js';
import type { FrontendParseResult } from '../protocol/messages.js';
import { decodeDataRow } from '../protocol/row-decoder.js';
import { bindWithTextResults, describePortal } from './masking-messages.js';
import { COPY_REFUSAL, DERIVED_REFUSAL, derivedMethod, maskingRefusal, planMasking } from './masking-plan.js';
import { ColumnCatalog } from './column-catalog.js';
import type { ColumnSensitivity } from './column-sensitivity.js';
import { ResultMasking } from './result-masking.js';
import { RowMasker } from './row-masker.js';

const decision = (mask: PolicyDecision['mask'], derived: 'mask' | 'deny' = 'mask'): PolicyDecision => ({
  allow: true,
  deny: [],
  review: { required: false, approver_groups: [], ttl_seconds: 900, min_approvals: 1 },
  mask,
  mask_derived: derived,
  decision_id: 'd',
  entrypoint: 'command',
  bundle_revision: 'r',
  evaluation_ns: 0,
});
const command = (text: string): PostgresCommand => ({ text, protocol: 'postgres', ...classifyCommand(text) });
const EMAIL = [{ column: 'public.users.email', method: 'partial' as const }];

/** Parses one client message after a startup, as the proxy's own parser would. */
function parseOne(bytes: Buffer): FrontendParseResult {
  const parser = new FrontendParser();
  let out: FrontendParseResult | undefined;
  parser.parse(frontend.startupMessage({ user: 'u', database: 'd' }), () => undefined);
  parser.parse(bytes, (m) => (out = m));
  return out!;
}

describe('masking plan', () => {
  before(() => initSqlParser());

  it('deny mode refuses a derived read before it runs, and a plain one is not refused', () => {
    for (const sql of [
      'SELECT upper(email) FROM users',
      'SELECT row_to_json(u) FROM users u',
      "SELECT email || '' FROM users",
    ]) {
      const c = command(sql);
      assert.equal(maskingRefusal(planMasking(decision(EMAIL, 'deny'), c), c), DERIVED_REFUSAL, sql);
    }
    const plain = command('SELECT email AS e FROM users');
    assert.equal(maskingRefusal(planMasking(decision(EMAIL, 'deny'), plain), plain), undefined);
    const derived = command('SELECT upper(email) FROM users');
    assert.equal(maskingRefusal(planMasking(decision(EMAIL, 'mask'), derived), derived), undefined);
  });

  it('COPY TO STDOUT in text or CSV is planned for masking; binary, files and odd options are refused', () => {
    const c = command(
      "COPY users TO STDOUT; COPY (SELECT email FROM users) TO STDOUT (FORMAT csv, DELIMITER ';')",
    );
    const plan = planMasking(decision(EMAIL), c);
    assert.equal(maskingRefusal(plan, c), undefined);
    assert.deepEqual(
      plan.copies.map((copy) => (typeof copy === 'object' ? [copy.source, copy.format.kind] : copy)),
      [
        ['SELECT * FROM ONLY "users"', 'text'],
        ['SELECT email FROM users', 'csv'],
      ],
    );
    for (const sql of [
      'COPY users TO STDOUT (FORMAT binary)',
      "COPY users TO '/tmp/x'",
      "COPY users TO STDOUT (ENCODING 'LATIN1')",
    ]) {
      const refused = command(sql);
      assert.match(
        String(maskingRefusal(planMasking(decision(EMAIL), refused), refused)),
        new RegExp(`^${COPY_REFUSAL}`),
        sql,
      );
    }
    const clean = command('COPY accounts TO STDOUT (FORMAT binary)');
    assert.equal(
      maskingRefusal(planMasking(decision([]), clean), clean),
      undefined,
      'nothing to mask, nothing refused',
    );
  });

  it('a plan with only detectors is active; with nothing it is not', () => {
    const c = command('SELECT 1');
    assert.equal(planMasking(decision([{ detector: 'credit_card', method: 'redact' }]), c).active, true);
    assert.equal(planMasking(decision([]), c).active, false);
  });

  it('derived values are never masked with partial', () => {
    assert.equal(derivedMethod(['partial']), 'redact');
    assert.equal(derivedMethod(['hash']), 'hash');
    assert.equal(derivedMethod(['hash', 'partial']), 'redact');
    assert.equal(derivedMethod([]), 'redact');
  });
});

describe('masking messages', () => {
  it('a Bind asking for binary results is rewritten to ask for text, parameters untouched', () => {
    const body = Buffer.concat([
      Buffer.from('p1\0s1\0'),
      Buffer.from([0, 1, 0, 0]), // one parameter format: text
      Buffer.from([0, 1, 0, 0, 0, 2]), // one parameter, 2 bytes
      Buffer.from('42'),
      Buffer.from([0, 2, 0, 1, 0, 1]), // two result formats: binary, binary
    ]);
    const bind = Buffer.concat([Buffer.from([0x42, 0, 0, 0, body.length + 4]), body]);
    const message = parseOne(bindWithTextResults(bind, 2));
    assert.equal(message.type, 'bind');
    if (message.type !== 'bind') return;
    assert.deepEqual(message.resultFormats, []);
    assert.equal(message.portalName, 'p1');
    assert.equal(message.parameters[0]!.toString(), '42');
  });

  it('describePortal is a well-formed Describe', () => {
    const message = parseOne(describePortal('portal'));
    assert.deepEqual(message.type === 'describe' ? { target: message.target, name: message.name } : message, {
      target: 'portal',
      name: 'portal',
    });
  });
});

/** A RowMasker that redacts the columns marked true and leaves the others. */
function redacting(columns: readonly boolean[]): RowMasker {
  const report = new MaskingReport();
  const tally = report.tally({ column: 'c', method: 'redact' });
  return new RowMasker(
    columns.map((masked) => (masked ? { kind: 'mask', method: 'redact', tally } : undefined)),
    { masker: createMasker(), scanner: undefined, detectorMethods: {}, report },
  );
}

describe('row masker', () => {
  it('masks whole values, masks detected spans, counts, and passes an untouched row as the same frame', () => {
    const report = new MaskingReport();
    const tally = report.tally({ column: 'public.users.email', method: 'partial' });
    const rows = new RowMasker(
      [undefined, { kind: 'mask', method: 'partial', tally }, { kind: 'scan', column: 'public.users.note' }],
      {
        masker: createMasker(),
        scanner: createScanner({ kinds: ['credit_card'] }),
        detectorMethods: { credit_card: 'redact' },
        report,
      },
    );
    const row = backend.dataRow(['1', 'alice.liddell@example.com', 'card 4111111111111111']);
    const masked = rows.mask(row);
    assert.ok(Buffer.isBuffer(masked));
    const values = decodeDataRow(masked as Buffer) as Buffer[];
    assert.deepEqual(
      values.map((v) => v.toString()),
      ['1', 'a***@example.com', 'card ****'],
    );
    const clean = backend.dataRow(['2', null, 'nothing']);
    assert.equal(rows.mask(clean), clean, 'no copy when nothing changed');
    assert.deepEqual(report.toMaskedColumns(), [
      { column: 'public.users.email', method: 'partial', count: 1 },
      { column: 'public.users.note', method: 'redact', detector: 'credit_card', count: 1 },
    ]);
    assert.ok(!JSON.stringify(report.toMaskedColumns()).includes('alice'));
  });
  it('rewrites a row in one pass exactly as decode, mask each value, re-encode would', () => {
    // A fixed-seed generator: the same rows every run.
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const samples = [
      '',
      'x',
      'alice.liddell@example.com',
      '4111 1111 1111 1111',
      'card 4111111111111111',
      'é'.repeat(40),
    ];
    const methods = ['partial', 'redact', 'null', 'partial'] as const;
    for (let round = 0; round < 300; round++) {
      const columns = 1 + next(6);
      const report = new MaskingReport();
      const actions = Array.from({ length: columns }, (_, i) => {
        const pick = next(4);
        if (pick === 0) return undefined;
        if (pick === 1) return { kind: 'scan' as const, column: `c${i}` };
        return {
          kind: 'mask' as const,
          method: methods[next(4)]!,
          tally: report.tally({ column: `c${i}`, method: 'redact' }),
        };
      });
      const masking = {
        masker: createMasker(),
        scanner: createScanner({ kinds: ['credit_card', 'email'] }),
        detectorMethods: { credit_card: 'redact' as const, email: 'partial' as const },
        report,
      };
      const values = Array.from({ length: columns }, () =>
        next(5) === 0 ? null : samples[next(samples.length)]!,
      );
      const frame = backend.dataRow(values);
      const expected = decodeDataRow(frame) as (Buffer | null)[];
      const changed = new RowMasker(actions, masking).maskValues(expected);
      const masked = new RowMasker(actions, masking).mask(frame);
      assert.ok(Buffer.isBuffer(masked));
      if (!changed) assert.equal(masked, frame, `round ${round}: an unchanged row is the same frame`);
      else
        assert.deepEqual(
          [...masked],
          [...backend.dataRow(expected)],
          `round ${round}: ${JSON.stringify(values)}`,
        );
    }
  });

  it('refuses rows that do not match their RowDescription or their own lengths', () => {
    const rows = redacting([true]);
    const two = backend.dataRow(['a', 'b']);
    const one = backend.dataRow(['secret']);
    const short = Buffer.from(one.subarray(0, one.length - 1));
    short.writeInt32BE(short.length - 1, 1);
    const negative = Buffer.from(one);
    negative.writeInt32BE(-2, 7);
    const trailing = Buffer.concat([one, Buffer.from('!')]);
    trailing.writeInt32BE(trailing.length - 1, 1);
    for (const [frame, why] of [
      [two, /does not match its RowDescription/],
      [short, /runs past the end/],
      [negative, /negative length/],
      [trailing, /1 trailing bytes/],
    ] as const) {
      const result = rows.mask(frame);
      assert.ok(!Buffer.isBuffer(result), `refused: ${why}`);
      assert.match(result.message, why);
    }
  });

  it('a masker that throws leaves nothing of its row for the next one', () => {
    const report = new MaskingReport();
    let failing = true;
    const rows = new RowMasker(
      [
        { kind: 'mask', method: 'partial', tally: report.tally({ column: 'c', method: 'partial' }) },
        { kind: 'scan', column: 'note' },
        { kind: 'mask', method: 'redact', tally: report.tally({ column: 'd', method: 'redact' }) },
      ],
      {
        masker: createMasker(),
        scanner: {
          detect: () => [],
          detectBytes: () => {
            if (failing) throw new Error('scanner failed');
            return [];
          },
        },
        detectorMethods: {},
        report,
      },
    );
    assert.throws(
      () => rows.mask(backend.dataRow(['alice.liddell@one.example', 'x', 'secret'])),
      /scanner failed/,
    );
    failing = false;
    const masked = rows.mask(backend.dataRow([null, 'x', 'secret'])) as Buffer;
    const values = decodeDataRow(masked) as (Buffer | null)[];
    assert.equal(values[0], null, 'the NULL stays NULL: no masked value of the failed row');
    assert.equal(values[1]?.toString(), 'x');
    assert.ok(!masked.toString('latin1').includes('secret'));
  });

  it('consecutive rewritten rows lie next to each other in memory (they leave as one slice)', () => {
    const rows = redacting([false, true]);
    const first = rows.mask(backend.dataRow(['1', 'secret'])) as Buffer;
    const second = rows.mask(backend.dataRow(['2', 'secret'])) as Buffer;
    assert.equal(second.buffer, first.buffer);
    assert.equal(second.byteOffset, first.byteOffset + first.length);
    assert.ok(!second.toString('latin1').includes('secret'));
  });
});

describe('result masking fails closed', () => {
  before(() => initSqlParser());

  it('a column whose relation the catalog cannot resolve is masked whole, as text', async () => {
    const catalog = new ColumnCatalog(() => Promise.reject(new Error('catalog down')));
    const sensitivity = { methodsOf: () => new Map() } as unknown as ColumnSensitivity;
    const masking = new ResultMasking(catalog, sensitivity, createMasker(), false);
    const plan = planMasking(decision([]), command('SELECT * FROM somewhere'));
    const state = masking.begin({ ...plan, active: true });
    const fields = [
      {
        name: 'secret',
        tableOid: 424242,
        columnNumber: 1,
        typeOid: 23,
        typeSize: 4,
        typeModifier: -1,
        format: 0 as const,
      },
    ];
    await assert.rejects(masking.load(state, fields), /catalog down/);
    const described = masking.describe(state, fields);
    assert.equal(described[0]!.typeOid, 25, 'presented as text');
    const masked = state.rows!.mask(backend.dataRow(['123']));
    assert.deepEqual((decodeDataRow(masked as Buffer) as Buffer[]).map(String), ['****']);
    assert.deepEqual(state.report.toMaskedColumns(), [
      { column: 'secret (unresolved)', method: 'redact', count: 1 },
    ]);
  });

  it('a binary value in a masked or scanned column becomes NULL, never passes', () => {
    const catalog = new ColumnCatalog(() => Promise.reject(new Error('unused')));
    const sensitivity = { methodsOf: () => new Map() } as unknown as ColumnSensitivity;
    const masking = new ResultMasking(catalog, sensitivity, createMasker(), false);
    const plan = planMasking(decision([{ detector: 'credit_card', method: 'redact' }]), command('SELECT 1'));
    const state = masking.begin(plan);
    const fields = [
      {
        name: 'x',
        tableOid: 0,
        columnNumber: 0,
        typeOid: 25,
        typeSize: -1,
        typeModifier: -1,
        format: 1 as const,
      },
    ];
    masking.describe(state, fields);
    const masked = state.rows!.mask(backend.dataRow(['4111111111111111']));
    assert.deepEqual(decodeDataRow(masked as Buffer), [null]);
  });
});
