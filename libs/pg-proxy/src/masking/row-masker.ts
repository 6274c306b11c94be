import type {
  DetectorMethods,
  Masker,
  MaskingReport,
  MaskingTally,
  MaskMethod,
  Scanner,
} from '@portcullis/masking';
import { maskDetectedBytes } from '@portcullis/masking';
import { FrameSlab } from '../protocol/frame-slab.js';
import { isProtocolViolation, ProtocolViolation } from '../protocol/protocol-violation.js';
import { locateDataRow } from '../protocol/row-decoder.js';

/** What happens to one output column's values. */
export type ColumnAction =
  | { readonly kind: 'mask'; readonly method: MaskMethod; readonly tally: MaskingTally }
  | { readonly kind: 'scan'; readonly column: string };

/** Everything a RowMasker needs from the session, resolved once per result. */
export interface RowMasking {
  readonly masker: Masker;
  readonly scanner: Scanner | undefined;
  readonly detectorMethods: DetectorMethods;
  readonly report: MaskingReport;
}

/** A value that stays as it is. */
const KEEP = Symbol('keep');
/** The int32 before each DataRow value. */
const VALUE_LENGTH_BYTES = 4;
/** Up to this many bytes, `copyBytes` copies in a loop. */
const SHORT_COPY = 64;

/**
 * Rewrites the DataRows of one result: whole values of masked columns,
 * detected spans of scanned ones. Built only when some column has an action,
 * and a row in which nothing changed leaves as the frame it came in (no copy).
 *
 * A row is rewritten in one pass: the value boundaries are located without
 * a view per value, only the columns with an action are looked at, and the
 * new frame is the old one's byte ranges with the changed values in between,
 * written into this result's frame slab (so consecutive masked rows stay
 * contiguous for the socket).
 */
export class RowMasker {
  /** Per column of the row being masked: offset of its length prefix, value length (-1 NULL), new value. */
  private readonly prefixAt: Int32Array;
  private readonly lengths: Int32Array;
  private readonly replacements: (Buffer | null | typeof KEEP)[];
  /** Where this result's rewritten rows are written, one after the other. */
  private readonly slab = new FrameSlab();

  constructor(
    private readonly actions: readonly (ColumnAction | undefined)[],
    private readonly masking: RowMasking,
  ) {
    this.prefixAt = new Int32Array(actions.length);
    this.lengths = new Int32Array(actions.length);
    this.replacements = new Array<Buffer | null | typeof KEEP>(actions.length).fill(KEEP);
  }

  mask(frame: Buffer): Buffer | ProtocolViolation {
    const count = locateDataRow(frame, this.prefixAt, this.lengths);
    if (isProtocolViolation(count)) return count;
    // A row that does not match its RowDescription cannot be masked by position.
    if (count !== this.actions.length) {
      return new ProtocolViolation('malformed', 'DataRow does not match its RowDescription');
    }
    const { prefixAt, lengths, replacements } = this;
    let size = frame.length;
    let changed = false;
    try {
      for (let i = 0; i < count; i++) {
        const action = this.actions[i];
        const length = lengths[i]!;
        if (action === undefined || length === -1) continue;
        const start = prefixAt[i]! + VALUE_LENGTH_BYTES;
        const replacement = this.maskValue(action, frame.subarray(start, start + length));
        if (replacement === KEEP) continue;
        replacements[i] = replacement;
        size += (replacement === null ? 0 : replacement.length) - length;
        changed = true;
      }
    } catch (error) {
      // A masker that throws must not leave this row's values for the next row to pick up.
      replacements.fill(KEEP);
      throw error;
    }
    return changed ? this.rewrite(frame, size) : frame;
  }

  /** The frame with `replacements` in place of their values; every byte of the new frame is written. */
  private rewrite(frame: Buffer, size: number): Buffer {
    const { prefixAt, lengths, replacements } = this;
    const out = this.slab.take(size);
    out[0] = frame[0]!;
    out.writeInt32BE(size - 1, 1);
    let to = 5;
    let from = 5; // the column count and everything up to the first changed value is copied as it is
    for (let i = 0; i < replacements.length; i++) {
      const replacement = replacements[i]!;
      if (replacement === KEEP) continue;
      replacements[i] = KEEP;
      to = copyBytes(frame, from, prefixAt[i]!, out, to);
      to = out.writeInt32BE(replacement === null ? -1 : replacement.length, to);
      if (replacement !== null) to = copyBytes(replacement, 0, replacement.length, out, to);
      from = prefixAt[i]! + VALUE_LENGTH_BYTES + lengths[i]!;
    }
    copyBytes(frame, from, frame.length, out, to);
    return out;
  }

  /** Masks one row's values in place (`values.length` must match the columns); true when any changed. */
  maskValues(values: (Buffer | null)[]): boolean {
    let changed = false;
    for (let i = 0; i < values.length; i++) {
      const action = this.actions[i];
      const value = values[i] ?? null;
      if (action === undefined || value === null) continue;
      const replacement = this.maskValue(action, value);
      if (replacement === KEEP) continue;
      values[i] = replacement;
      changed = true;
    }
    return changed;
  }

  /** What one non-NULL value becomes under its column's action; KEEP when it stays as it is. */
  private maskValue(action: ColumnAction, value: Buffer): Buffer | null | typeof KEEP {
    if (action.kind === 'mask') {
      action.tally.add();
      return this.masking.masker.maskBytes(value, action.method);
    }
    const scanner = this.masking.scanner;
    if (scanner === undefined) return KEEP;
    const hits = scanner.detectBytes(value);
    if (hits.length === 0) return KEEP;
    this.masking.report.recordDetections(action.column, hits, this.masking.detectorMethods);
    return maskDetectedBytes(value, hits, this.masking.detectorMethods, this.masking.masker);
  }
}

/**
 * `source[from, to)` into `target` at `at`; returns the end of what was
 * written. The ranges of a row are a few bytes to a few dozen, where a plain
 * loop is several times cheaper than `Buffer.copy`'s checks and native call.
 */
function copyBytes(source: Buffer, from: number, to: number, target: Buffer, at: number): number {
  const length = to - from;
  if (length > SHORT_COPY) return at + source.copy(target, at, from, to);
  for (let i = 0; i < length; i++) target[at + i] = source[from + i]!;
  return at + length;
}
