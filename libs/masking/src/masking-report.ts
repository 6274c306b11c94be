import { type DetectorHit, type DetectorKind } from './detectors/detector.js';
import { methodFor, type DetectorMethods } from './mask-detected.js';
import { type MaskMethod } from './mask-method.js';

/**
 * One line of a `ResultMasked` event: which column, by which rule or
 * detector, with which method, how many values. Names and counts only —
 * nothing here can carry a value. Matches `MaskedColumn` in @portcullis/events.
 */
export interface MaskedColumnCount {
  column: string;
  method: MaskMethod;
  rule?: string;
  detector?: DetectorKind;
  count: number;
}

export interface MaskingTarget {
  /** schema.table.column, or the output column name when derived. */
  readonly column: string;
  readonly method: MaskMethod;
  /** The policy rule that asked for the column to be masked, when known. */
  readonly rule?: string;
  /** Set when a detector found the value rather than the column being named. */
  readonly detector?: DetectorKind;
}

/**
 * A counter the proxy resolves once per column per result, so counting on
 * the hot path is an increment, not a map lookup.
 */
export class MaskingTally {
  count = 0;
  constructor(readonly target: MaskingTarget) {}

  add(values = 1): void {
    this.count += values;
  }
}

/** Counts what one statement's results had masked, until the proxy emits `ResultMasked` and resets it. */
export class MaskingReport {
  private readonly tallies = new Map<string, MaskingTally>();
  /** The detector tallies by column, kind and method: a scanned value with hits is counted without building a key. */
  private readonly detections = new Map<string, Map<DetectorKind, Map<MaskMethod, MaskingTally>>>();

  tally(target: MaskingTarget): MaskingTally {
    const key = `${target.column}\u0000${target.method}\u0000${target.rule ?? ''}\u0000${target.detector ?? ''}`;
    let tally = this.tallies.get(key);
    if (tally === undefined) {
      tally = new MaskingTally({ ...target });
      this.tallies.set(key, tally);
    }
    return tally;
  }

  /** Counts one scanned value of `column`: once per detector that hit it, however many spans. */
  recordDetections(column: string, hits: readonly DetectorHit[], methods: DetectorMethods): void {
    if (hits.length === 0) return;
    let byKind = this.detections.get(column);
    if (byKind === undefined) this.detections.set(column, (byKind = new Map()));
    // At most one entry per detector kind (there are eight), so looking back is cheap however many hits.
    const counted: DetectorKind[] = [];
    for (const hit of hits) {
      if (counted.includes(hit.kind)) continue;
      counted.push(hit.kind);
      const method = methodFor(hit, methods);
      let byMethod = byKind.get(hit.kind);
      if (byMethod === undefined) byKind.set(hit.kind, (byMethod = new Map()));
      let tally = byMethod.get(method);
      if (tally === undefined)
        byMethod.set(method, (tally = this.tally({ column, method, detector: hit.kind })));
      tally.add();
    }
  }

  get isEmpty(): boolean {
    for (const tally of this.tallies.values()) if (tally.count > 0) return false;
    return true;
  }

  /** The `columns` of a `ResultMasked` event, in a stable order; tallies that stayed at zero are left out. */
  toMaskedColumns(): MaskedColumnCount[] {
    const lines: MaskedColumnCount[] = [];
    for (const { target, count } of this.tallies.values()) {
      if (count === 0) continue;
      const line: MaskedColumnCount = { column: target.column, method: target.method, count };
      if (target.rule !== undefined) line.rule = target.rule;
      if (target.detector !== undefined) line.detector = target.detector;
      lines.push(line);
    }
    return lines.sort(
      (a, b) =>
        a.column.localeCompare(b.column) ||
        (a.detector ?? '').localeCompare(b.detector ?? '') ||
        a.method.localeCompare(b.method) ||
        (a.rule ?? '').localeCompare(b.rule ?? ''),
    );
  }

  /** Zeroes every count; tallies handed out stay valid for the next statement. */
  reset(): void {
    for (const tally of this.tallies.values()) tally.count = 0;
  }
}
