import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrontendParser, type FrontendParserOptions } from './frontend-parser.js';
import { type FrontendParseResult } from './messages.js';
import { ProtocolViolation } from './protocol-violation.js';
import {
  bare,
  byte,
  cstr,
  i16,
  i32,
  splits,
  startup,
  typed,
  u32,
  untyped,
  value,
} from '../testing/frames.js';

const STARTUP = startup({ user: 'agent', database: 'prod-db', application_name: 'ci' });

function parseChunks(
  chunks: Buffer[],
  options?: FrontendParserOptions,
  typedPhase = false,
): FrontendParseResult[] {
  const parser = new FrontendParser(options);
  const out: FrontendParseResult[] = [];
  if (typedPhase) parser.parse(STARTUP, () => undefined);
  for (const chunk of chunks) parser.parse(chunk, (m) => out.push(m));
  return out;
}

/** Typed messages from known bytes, and what the parser must make of them. */
const typedCases: { name: string; bytes: Buffer; expected: Record<string, unknown> }[] = [
  { name: 'Query', bytes: typed('Q', cstr('select 1')), expected: { type: 'query', sql: 'select 1' } },
  {
    name: 'Parse',
    bytes: typed('P', cstr('s1'), cstr('select $1::int, $2'), i16(2), u32(23), u32(0)),
    expected: { type: 'parse', statementName: 's1', sql: 'select $1::int, $2', parameterTypes: [23, 0] },
  },
  {
    name: 'Bind',
    bytes: typed(
      'B',
      cstr('p1'),
      cstr('s1'),
      i16(3),
      i16(0),
      i16(0),
      i16(1),
      i16(3),
      value('42'),
      value(null),
      value(Buffer.of(0, 0, 0, 7)),
      i16(1),
      i16(1),
    ),
    expected: {
      type: 'bind',
      portalName: 'p1',
      statementName: 's1',
      parameterFormats: [0, 0, 1],
      parameters: [Buffer.from('42'), null, Buffer.of(0, 0, 0, 7)],
      resultFormats: [1],
    },
  },
  {
    name: 'Bind with one format for all parameters',
    bytes: typed('B', cstr(''), cstr(''), i16(1), i16(1), i16(2), value('a'), value('b'), i16(0)),
    expected: {
      type: 'bind',
      portalName: '',
      statementName: '',
      parameterFormats: [1],
      parameters: [Buffer.from('a'), Buffer.from('b')],
      resultFormats: [],
    },
  },
  {
    name: 'Describe statement',
    bytes: typed('D', byte('S'), cstr('s1')),
    expected: { type: 'describe', target: 'statement', name: 's1' },
  },
  {
    name: 'Describe portal',
    bytes: typed('D', byte('P'), cstr('')),
    expected: { type: 'describe', target: 'portal', name: '' },
  },
  {
    name: 'Execute',
    bytes: typed('E', cstr('p1'), i32(100)),
    expected: { type: 'execute', portalName: 'p1', maxRows: 100 },
  },
  { name: 'Sync', bytes: typed('S'), expected: { type: 'sync' } },
  { name: 'Flush', bytes: typed('H'), expected: { type: 'flush' } },
  {
    name: 'Close portal',
    bytes: typed('C', byte('P'), cstr('p1')),
    expected: { type: 'close', target: 'portal', name: 'p1' },
  },
  {
    name: 'FunctionCall',
    bytes: typed('F', u32(1598), i16(1), i16(0), i16(2), value('x'), value(null), i16(1)),
    expected: {
      type: 'functionCall',
      functionId: 1598,
      argumentFormats: [0],
      arguments: [Buffer.from('x'), null],
      resultFormat: 1,
    },
  },
  {
    name: 'CopyData',
    bytes: typed('d', Buffer.from('1\tjane\n')),
    expected: { type: 'copyData', data: Buffer.from('1\tjane\n') },
  },
  { name: 'CopyDone', bytes: typed('c'), expected: { type: 'copyDone' } },
  {
    name: 'CopyFail',
    bytes: typed('f', cstr('aborted by client')),
    expected: { type: 'copyFail', reason: 'aborted by client' },
  },
  {
    name: 'PasswordMessage (as raw p bytes)',
    bytes: typed('p', cstr('eyJhbGciOi.token')),
    expected: { type: 'authenticationResponse', data: cstr('eyJhbGciOi.token') },
  },
  { name: 'Terminate', bytes: typed('X'), expected: { type: 'terminate' } },
];

for (const { name, bytes, expected } of typedCases) {
  test(`parses ${name} from known bytes, the same at every split`, () => {
    for (const chunks of splits(bytes)) {
      const out = parseChunks(chunks, undefined, true);
      assert.deepEqual(out, [{ ...expected, frame: bytes }]);
    }
  });
}

test('parses StartupMessage v3.0 with its parameters', () => {
  for (const chunks of splits(STARTUP)) {
    assert.deepEqual(parseChunks(chunks), [
      {
        type: 'startup',
        frame: STARTUP,
        protocolVersion: { major: 3, minor: 0 },
        parameters: bare({ user: 'agent', database: 'prod-db', application_name: 'ci' }),
      },
    ]);
  }
});

test('parses SSLRequest, GSSENCRequest and CancelRequest', () => {
  const ssl = untyped(i32(80877103));
  const gss = untyped(i32(80877104));
  const cancel = untyped(i32(80877102), i32(4242), i32(-123456));
  assert.deepEqual(parseChunks([ssl]), [{ type: 'sslRequest', frame: ssl }]);
  assert.deepEqual(parseChunks([gss]), [{ type: 'gssEncRequest', frame: gss }]);
  for (const chunks of splits(cancel)) {
    assert.deepEqual(parseChunks(chunks), [
      { type: 'cancelRequest', frame: cancel, processId: 4242, secretKey: -123456 },
    ]);
  }
});

test('SSLRequest then StartupMessage in later chunks: the startup phase continues', () => {
  const ssl = untyped(i32(80877103));
  const out = parseChunks([ssl, STARTUP, typed('Q', cstr('select 1'))]);
  assert.deepEqual(
    out.map((m) => m.type),
    ['sslRequest', 'startup', 'query'],
  );
});

test('a whole session concatenated gives the same messages at every split point', () => {
  const session = Buffer.concat([STARTUP, ...typedCases.map((c) => c.bytes)]);
  const expected = parseChunks([session]);
  assert.equal(expected.length, typedCases.length + 1);
  assert.ok(expected.every((m) => !(m instanceof ProtocolViolation)));
  for (const chunks of splits(session)) assert.deepEqual(parseChunks(chunks), expected);
});

test('frames inside one chunk are views of it; only split frames are copied', () => {
  const bytes = Buffer.concat([typed('Q', cstr('select 1')), typed('S')]);
  // An unpooled chunk, so sharing its ArrayBuffer means being a view of it.
  const chunk = Buffer.alloc(bytes.length);
  bytes.copy(chunk);
  const whole = parseChunks([chunk], undefined, true);
  assert.equal(whole.length, 2);
  for (const m of whole) assert.ok(!(m instanceof ProtocolViolation) && m.frame.buffer === chunk.buffer);
  const [query] = parseChunks([chunk.subarray(0, 7), chunk.subarray(7)], undefined, true);
  assert.ok(query && !(query instanceof ProtocolViolation));
  assert.ok(query.frame.buffer !== chunk.buffer);
  assert.ok(query.type === 'query' && query.sql === 'select 1');
});

function violationOf(out: FrontendParseResult[]): ProtocolViolation {
  const last = out.at(-1);
  assert.ok(last instanceof ProtocolViolation, `expected a violation, got ${JSON.stringify(last)}`);
  return last;
}

test('a length below 4 is a bad-length violation', () => {
  assert.equal(
    violationOf(parseChunks([Buffer.concat([byte('Q'), i32(3)])], undefined, true)).reason,
    'bad-length',
  );
  assert.equal(
    violationOf(parseChunks([Buffer.concat([byte('S'), i32(-1)])], undefined, true)).reason,
    'bad-length',
  );
  assert.equal(violationOf(parseChunks([i32(7)])).reason, 'bad-length');
});

test('an oversized frame is refused from its header, before its body is buffered', () => {
  const header = Buffer.concat([byte('d'), i32(1025)]);
  const out = parseChunks([header], { maxMessageSize: 1024 }, true);
  assert.equal(violationOf(out).reason, 'oversized');
  const bigStartup = startup({ user: 'x'.repeat(200) });
  assert.equal(
    violationOf(parseChunks([bigStartup.subarray(0, 4)], { maxStartupPacketSize: 100 })).reason,
    'oversized',
  );
  // Exactly at the limit is fine.
  assert.equal(
    parseChunks([typed('d', Buffer.alloc(1019))], { maxMessageSize: 1024 }, true)[0]?.type,
    'copyData',
  );
});

test('a p message has its own small cap: it arrives before the client is authenticated', () => {
  const header = Buffer.concat([byte('p'), i32(65_535)]);
  assert.equal(violationOf(parseChunks([header], undefined, true)).reason, 'oversized');
  const token = typed('p', cstr('x'.repeat(65_000)));
  assert.equal(parseChunks([token], undefined, true)[0]?.type, 'authenticationResponse');
});

test('capUntilAuthenticated: any message before authenticated() gets the password cap, after it the normal one', () => {
  const bigQuery = Buffer.concat([byte('Q'), i32(60 * 1024 * 1024)]);
  assert.equal(
    violationOf(parseChunks([bigQuery], { capUntilAuthenticated: true }, true)).reason,
    'oversized',
    'a 60 MB Query header before authentication',
  );
  assert.deepEqual(parseChunks([bigQuery], undefined, true), [], 'without the option: waits for the body');
  const parser = new FrontendParser({ capUntilAuthenticated: true });
  const out: FrontendParseResult[] = [];
  parser.parse(STARTUP, () => undefined);
  parser.parse(typed('Q', cstr('select 1')), (m) => out.push(m));
  parser.authenticated();
  parser.parse(typed('Q', cstr('x'.repeat(70_000))), (m) => out.push(m));
  assert.deepEqual(
    out.map((m) => m.type),
    ['query', 'query'],
  );
});

test('the default startup cap is 10 000 bytes', () => {
  const packet = startup({ user: 'x'.repeat(10_000) });
  assert.equal(violationOf(parseChunks([packet])).reason, 'oversized');
});

test('an unknown type byte or startup code is an unknown-type violation', () => {
  assert.equal(violationOf(parseChunks([typed('Z', cstr('x'))], undefined, true)).reason, 'unknown-type');
  // Protocol 2.0 and arbitrary request codes.
  assert.equal(violationOf(parseChunks([startup({ user: 'a' }, 131072)])).reason, 'unknown-type');
  assert.equal(violationOf(parseChunks([untyped(i32(80877199))])).reason, 'unknown-type');
});

test('malformed bodies are violations, not pass-throughs', () => {
  const malformed: [string, Buffer][] = [
    ['Query without NUL', typed('Q', Buffer.from('select 1'))],
    ['Query with bytes after the NUL', typed('Q', cstr('select 1'), Buffer.from('; drop table x'))],
    ['Parse with a type count past the frame', typed('P', cstr(''), cstr('select $1'), i16(3), u32(23))],
    [
      'Bind with a value length past the frame',
      typed('B', cstr(''), cstr(''), i16(0), i16(1), i32(100), Buffer.from('ab'), i16(0)),
    ],
    [
      'Bind with a negative value length other than -1',
      typed('B', cstr(''), cstr(''), i16(0), i16(1), i32(-2), i16(0)),
    ],
    [
      'Bind with a format code that is neither text nor binary',
      typed('B', cstr(''), cstr(''), i16(1), i16(2), i16(0), i16(0)),
    ],
    [
      'Bind with 2 formats for 3 values',
      typed(
        'B',
        cstr(''),
        cstr(''),
        i16(2),
        i16(0),
        i16(0),
        i16(3),
        value('a'),
        value('b'),
        value('c'),
        i16(0),
      ),
    ],
    ['Bind with a negative count', typed('B', cstr(''), cstr(''), i16(-1), i16(0), i16(0))],
    ['Describe with an unknown target', typed('D', byte('X'), cstr('s'))],
    ['Execute cut short', typed('E', cstr('p'), i16(0))],
    ['Sync with a body', typed('S', Buffer.of(1))],
    ['Terminate with a body', typed('X', Buffer.of(0))],
    ['CopyFail without NUL', typed('f', Buffer.from('oops'))],
  ];
  for (const [name, bytes] of malformed) {
    const out = parseChunks([bytes], undefined, true);
    assert.equal(out.length, 1, name);
    assert.equal(violationOf(out).reason, 'malformed', name);
  }
  const startupMalformed: [string, Buffer][] = [
    ['StartupMessage without the final NUL', untyped(i32(196608), cstr('user'), cstr('a'))],
    ['StartupMessage with a name but no value', untyped(i32(196608), cstr('user'), Buffer.of(0x61))],
    [
      'StartupMessage repeating user',
      startupWithPairs([
        ['user', 'a'],
        ['user', 'postgres'],
      ]),
    ],
    ['SSLRequest with a body', untyped(i32(80877103), i32(0))],
    ['CancelRequest cut short', untyped(i32(80877102), i32(1))],
    ['CancelRequest with a long key', untyped(i32(80877102), i32(1), i32(2), i32(3))],
  ];
  for (const [name, bytes] of startupMalformed)
    assert.equal(violationOf(parseChunks([bytes])).reason, 'malformed', name);
});

function startupWithPairs(pairs: [string, string][]): Buffer {
  return untyped(i32(196608), ...pairs.flatMap(([k, v]) => [cstr(k), cstr(v)]), Buffer.of(0));
}

test('after a violation the parser refuses everything with the same value', () => {
  const parser = new FrontendParser();
  const out: FrontendParseResult[] = [];
  parser.parse(Buffer.concat([STARTUP, typed('Q', Buffer.from('x')), typed('S')]), (m) => out.push(m));
  assert.deepEqual(
    out.map((m) => m.type),
    ['startup', 'protocolViolation'],
  );
  parser.parse(typed('S'), (m) => out.push(m));
  assert.equal(out.length, 3);
  assert.equal(out[2], out[1]);
});

test('bytes sent together with SSLRequest are refused (CVE-2021-23214)', () => {
  const ssl = untyped(i32(80877103));
  const out = parseChunks([Buffer.concat([ssl, STARTUP])]);
  assert.equal(out[0]?.type, 'sslRequest');
  assert.equal(violationOf(out).reason, 'unexpected-message');
  // Split so the extra bytes are not yet here: fine, the client waited for our answer.
  assert.deepEqual(
    parseChunks([ssl, STARTUP]).map((m) => m.type),
    ['sslRequest', 'startup'],
  );
});

test('nothing may follow Terminate or CancelRequest', () => {
  assert.equal(
    violationOf(parseChunks([typed('X'), typed('Q', cstr('select 1'))], undefined, true)).reason,
    'unexpected-message',
  );
  assert.equal(
    violationOf(parseChunks([untyped(i32(80877102), i32(1), i32(2)), STARTUP])).reason,
    'unexpected-message',
  );
});
