/**
 * Hand-run timing of the hot-path calls (not a test: timings belong in a
 * report, not in a pass/fail gate).
 *
 *   npx tsc -b libs/masking && node libs/masking/dist/measure.js [iterations]
 *
 * Prints ns per value for each masking method and for detector scans over
 * typical non-sensitive values (the common case on a scanned column) and
 * sensitive ones, on both the string and the Buffer path.
 */
import { createHmac } from 'node:crypto';
import { type MaskMethod } from './mask-method.js';
import { createMasker } from './masker.js';
import { createScanner } from './scanner.js';
import { maskDetectedBytes } from './mask-detected.js';

const iterations = Number(process.argv[2] ?? 1_000_000);
const masker = createMasker({ hashKey: 'measure-only-key-0123456789abcdef' });
const scanner = createScanner();

const ordinary = [
  'Alice Johnson',
  '2024-01-15 12:30:45.123456+00',
  '550e8400-e29b-41d4-a716-446655440000',
  '1234567',
  'shipped',
  '42.50',
  'Order 98765 left the warehouse at 10:42 and is on its way',
  'v1.2.3',
];
const sensitive = [
  '4111 1111 1111 1111',
  'john.doe@example.com',
  'ssn 123-45-6789',
  'DE89 3704 0044 0532 0130 00',
  '+44 20 7946 0958',
  'AKIAIOSFODNN7EXAMPLE',
];
const encoded = ['\\x34313131313131313131313131313131', 'NDExMTExMTExMTExMTExMQ=='];

function nsPerCall(values: readonly unknown[], fn: (v: never) => unknown): number {
  let sink = 0;
  const run = (n: number) => {
    for (let i = 0; i < n; i++) if (fn(values[i % values.length] as never) !== undefined) sink++;
  };
  run(Math.min(iterations, 100_000)); // warm up the JIT
  const started = process.hrtime.bigint();
  run(iterations);
  const elapsed = Number(process.hrtime.bigint() - started);
  if (sink < 0) console.log(sink);
  return elapsed / iterations;
}

const rows: [string, number][] = [];
const asBytes = (values: readonly string[]) => values.map((v) => Buffer.from(v));
// Baselines for reading the rest on a busy machine: what copying a column
// value out of a DataRow costs, which the proxy does anyway.
rows.push(['baseline: copy value bytes', nsPerCall(asBytes(sensitive), (v: Buffer) => Buffer.from(v))]);
rows.push(['baseline: decode value utf8', nsPerCall(asBytes(sensitive), (v: Buffer) => v.toString('utf8'))]);
for (const method of ['redact', 'partial', 'hash', 'null'] as MaskMethod[]) {
  rows.push([`mask string ${method}`, nsPerCall(sensitive, (v: string) => masker.mask(v, method))]);
  rows.push([
    `mask bytes  ${method}`,
    nsPerCall(asBytes(sensitive), (v: Buffer) => masker.maskBytes(v, method)),
  ]);
}
const key = Buffer.from('measure-only-key-0123456789abcdef');
rows.push([
  'createHmac baseline (bytes)',
  nsPerCall(asBytes(sensitive), (v: Buffer) =>
    createHmac('sha256', key).update(v).digest('hex').slice(0, 16),
  ),
]);
rows.push(['detect string ordinary', nsPerCall(ordinary, (v: string) => scanner.detect(v))]);
rows.push(['detect bytes  ordinary', nsPerCall(asBytes(ordinary), (v: Buffer) => scanner.detectBytes(v))]);
rows.push(['detect string sensitive', nsPerCall(sensitive, (v: string) => scanner.detect(v))]);
rows.push(['detect bytes  sensitive', nsPerCall(asBytes(sensitive), (v: Buffer) => scanner.detectBytes(v))]);
rows.push(['detect string encoded', nsPerCall(encoded, (v: string) => scanner.detect(v))]);
rows.push([
  'detect+mask bytes sensitive',
  nsPerCall(asBytes(sensitive), (v: Buffer) => maskDetectedBytes(v, scanner.detectBytes(v), 'redact')),
]);

console.log(`iterations: ${iterations}, node ${process.version}`);
for (const [name, ns] of rows) console.log(`${name.padEnd(32)} ${ns.toFixed(1).padStart(8)} ns/value`);
