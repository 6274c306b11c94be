import type {
  DetectorMethods,
  Masker,
  MaskingReport,
  MaskingTally,
  MaskMethod,
  Scanner,
} from '@portcullis/masking';
import { maskDetectedBytes } from '@portcullis/masking';
import { backend } from '../protocol/index.js';
import { isProtocolViolation, ProtocolViolation } from '../protocol/protocol-violation.js';
import { decodeDataRow } from '../protocol/row-decoder.js';

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

/**
 * Rewrites the DataRows of one result: whole values of masked columns,
 * detected spans of scanned ones. Built only when some column has an action,
 * and a row in which nothing changed leaves as the frame it came in (no copy).
 */
export class RowMasker {
  constructor(
    private readonly actions: readonly (ColumnAction | undefined)[],
    private readonly masking: RowMasking,
  ) {}

  mask(frame: Buffer): Buffer | ProtocolViolation {
    const values = decodeDataRow(frame);
    if (isProtocolViolation(values)) return values;
    // A row that does not match its RowDescription cannot be masked by position.
    if (values.length !== this.actions.length) {
      return new ProtocolViolation('malformed', 'DataRow does not match its RowDescription');
    }
    return this.maskValues(values) ? backend.dataRow(values) : frame;
  }

  /** Masks one row's values in place (`values.length` must match the columns); true when any changed. */
  maskValues(values: (Buffer | null)[]): boolean {
    let changed = false;
    for (let i = 0; i < values.length; i++) {
      const action = this.actions[i];
      const value = values[i] ?? null;
      if (action === undefined || value === null) continue;
      if (action.kind === 'mask') {
        values[i] = this.masking.masker.maskBytes(value, action.method);
        action.tally.add();
        changed = true;
        continue;
      }
      const scanner = this.masking.scanner;
      if (scanner === undefined) continue;
      const hits = scanner.detectBytes(value);
      if (hits.length === 0) continue;
      values[i] = maskDetectedBytes(value, hits, this.masking.detectorMethods, this.masking.masker);
      this.masking.report.recordDetections(action.column, hits, this.masking.detectorMethods);
      changed = true;
    }
    return changed;
  }
}
