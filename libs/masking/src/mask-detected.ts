import { type DetectorHit, type DetectorKind } from './detectors/detector.js';
import { strictestMethod, type MaskMethod } from './mask-method.js';
import { preparedMasker } from './mask-value.js';
import { type Masker } from './masker.js';
import { type MaskingOptions } from './masking-options.js';
import { asBuffer } from './text-bytes.js';

/**
 * One method for every hit, or one per detector as the policy's `mask` list
 * says. A hit whose detector has no entry is redacted: if we found it, we do
 * not send it.
 */
export type DetectorMethods = MaskMethod | Readonly<Partial<Record<DetectorKind, MaskMethod>>>;

interface MaskSpan {
  start: number;
  end: number;
  method: MaskMethod;
}

export function methodFor(hit: DetectorHit, methods: DetectorMethods): MaskMethod {
  const method = typeof methods === 'string' ? methods : (methods[hit.kind] ?? 'redact');
  // The shape `partial` keeps (last digits) would be characters of the
  // encoding, i.e. decodable pieces of the value: an encoded hit is redacted.
  return method === 'partial' && hit.encoding !== undefined ? 'redact' : method;
}

/**
 * Replaces only the detected spans of `value`. Overlapping hits are masked
 * once with the least revealing of their methods. `null` cannot blank part
 * of a value, so any hit masked with `null` makes the whole value SQL NULL.
 */
export function maskDetected(
  value: string,
  hits: readonly DetectorHit[],
  methods: DetectorMethods,
  using?: Masker | MaskingOptions,
): string | null {
  if (hits.length === 0) return value;
  const spans = mergeSpans(hits, methods);
  if (spans === null) return null;
  const masker = maskerFrom(using);
  let out = '';
  let cursor = 0;
  for (const span of spans) {
    out += value.slice(cursor, span.start) + masker.mask(value.slice(span.start, span.end), span.method)!;
    cursor = span.end;
  }
  return out + value.slice(cursor);
}

/** `maskDetected` for a UTF-8 column value with byte spans from `detectBytes`. */
export function maskDetectedBytes(
  value: Uint8Array,
  hits: readonly DetectorHit[],
  methods: DetectorMethods,
  using?: Masker | MaskingOptions,
): Buffer | null {
  const bytes = asBuffer(value);
  if (hits.length === 0) return bytes;
  const spans = mergeSpans(hits, methods);
  if (spans === null) return null;
  const masker = maskerFrom(using);
  const pieces: Buffer[] = [];
  let cursor = 0;
  for (const span of spans) {
    pieces.push(
      bytes.subarray(cursor, span.start),
      masker.maskBytes(bytes.subarray(span.start, span.end), span.method)!,
    );
    cursor = span.end;
  }
  pieces.push(bytes.subarray(cursor));
  return Buffer.concat(pieces);
}

/** The proxy passes the masker it already holds; other callers may pass options. */
function maskerFrom(using: Masker | MaskingOptions | undefined): Masker {
  return using !== undefined && 'maskBytes' in using ? using : preparedMasker(using);
}

/** Sorted, non-overlapping spans; null when some span must become NULL. */
function mergeSpans(hits: readonly DetectorHit[], methods: DetectorMethods): MaskSpan[] | null {
  const sorted = [...hits].sort((a, b) => a.start - b.start);
  const spans: MaskSpan[] = [];
  for (const hit of sorted) {
    const method = methodFor(hit, methods);
    if (method === 'null') return null;
    const last = spans.at(-1);
    if (last !== undefined && hit.start < last.end) {
      last.end = Math.max(last.end, hit.end);
      last.method = strictestMethod(last.method, method);
    } else {
      spans.push({ start: hit.start, end: hit.end, method });
    }
  }
  return spans;
}
