import {
  createScanner,
  MaskingReport,
  type DetectorKind,
  type Masker,
  type MaskMethod,
  type Scanner,
} from '@portcullis/masking';
import { classifyCommand, sensitiveFlows } from '@portcullis/sql';
import type { RowField } from '../protocol/backend-messages.js';
import { CatalogEpoch } from './catalog-epoch.js';
import type { ColumnCatalog, CatalogRelation } from './column-catalog.js';
import type { ColumnSensitivity } from './column-sensitivity.js';
import { derivedMethod, type MaskingPlan } from './masking-plan.js';
import { RowMasker, type ColumnAction } from './row-masker.js';
import { CopyRowMasker, type CopyFormat } from './copy-row-masker.js';

/** A command's masking state while its results stream by. */
export interface CommandMasking {
  readonly plan: MaskingPlan;
  /** Which statement of a multi-statement Query the next result belongs to. */
  statement: number;
  rows: RowMasker | null;
  readonly report: MaskingReport;
  /** Row layouts of the command's COPY … TO sources by statement (null: the server could not describe it). */
  copyLayouts?: Map<number, RowField[] | null>;
  /** The rows of the COPY now streaming. */
  copy?: CopyRowMasker | null;
  /** A result of the command had a column the policy masks (set by `describe`). */
  readSensitive?: boolean;
}

/** How a column is sensitive: its method, and whether it is computed from sensitive columns. */
interface Sensitivity {
  readonly method: MaskMethod;
  readonly derived: boolean;
}

const TEXT_OID = 25;
/** Views over views are followed this deep; deeper is masked whole. */
const MAX_VIEW_DEPTH = 8;

/**
 * The session's result masking: turns a RowDescription into per-column
 * actions (mask with a method, scan with detectors, or nothing), using the
 * command's plan, the upstream's catalog (table OID + attnum → name, view
 * definitions) and the policy's view of which columns are sensitive.
 *
 * `missing()` says what the catalog must load first (asynchronously, while
 * the relay holds the server's frames back); `describe()` is synchronous.
 */
export class ResultMasking {
  private readonly scanners = new Map<string, Scanner>();
  private readonly views = new Map<number, Map<number, Sensitivity | null>>();

  constructor(
    readonly catalog: ColumnCatalog,
    private readonly sensitivity: ColumnSensitivity,
    private readonly masker: Masker,
    /** False without a `maskingKey`: `hash` falls back to `redact`. */
    private readonly canHash: boolean,
    private readonly epoch: CatalogEpoch = new CatalogEpoch(),
  ) {}

  private seenEpoch = 0;

  /** This session ran DDL whose transaction has not ended yet (see `catalogChanged`). */
  private ddlPending = false;

  begin(plan: MaskingPlan): CommandMasking {
    return { plan, statement: 0, rows: null, report: new MaskingReport() };
  }

  /**
   * A DDL statement completed in this session: names and view definitions
   * may have changed, for every session of the proxy. Until its transaction
   * ends the other sessions still see the old catalog, so the epoch moves
   * again then (`transactionEnded`).
   */
  catalogChanged(): void {
    this.ddlPending = true;
    this.epoch.bump();
  }

  /** The upstream is idle (ReadyForQuery 'I'): DDL of this session is committed or gone. */
  transactionEnded(): void {
    if (!this.ddlPending) return;
    this.ddlPending = false;
    this.epoch.bump();
  }

  private invalidate(): void {
    this.catalog.invalidate();
    this.views.clear();
    this.seenEpoch = this.epoch.value;
  }

  /** Table OIDs and relation names not cached yet (empty: `describe` can run now), views followed. */
  missing(command: CommandMasking, fields: readonly RowField[]): { oids: number[]; names: string[] } {
    if (this.seenEpoch !== this.epoch.value) this.invalidate();
    const oids = new Set<number>();
    const names = new Set<string>();
    const seen = new Set<string>();
    const queue: { relation: CatalogRelation; depth: number }[] = [];
    const visit = (relation: CatalogRelation | null | undefined, depth: number) => {
      if (relation && !seen.has(relation.name)) {
        seen.add(relation.name);
        queue.push({ relation, depth });
      }
    };
    for (const { tableOid } of fields) {
      if (tableOid === 0) continue;
      const relation = this.catalog.relation(tableOid);
      if (relation === undefined) oids.add(tableOid);
      visit(relation, 0);
    }
    for (const name of command.plan.objects[command.statement] ?? []) {
      const relation = this.catalog.relationNamed(name);
      if (relation === undefined) names.add(name);
      visit(relation, 0);
    }
    while (queue.length > 0) {
      const { relation, depth } = queue.shift()!;
      if (depth >= MAX_VIEW_DEPTH) continue;
      for (const name of this.viewObjects(relation)) {
        const source = this.catalog.relationNamed(name);
        if (source === undefined) names.add(name);
        visit(source, depth + 1);
      }
    }
    return { oids: [...oids], names: [...names] };
  }

  /** Loads until nothing is missing (views over views), at most MAX_VIEW_DEPTH rounds. */
  async load(command: CommandMasking, fields: readonly RowField[]): Promise<void> {
    for (let round = 0; round <= MAX_VIEW_DEPTH; round++) {
      const { oids, names } = this.missing(command, fields);
      if (oids.length === 0 && names.length === 0) return;
      await this.catalog.load(oids, names);
    }
  }

  /**
   * Sets `command.rows` for the result this RowDescription starts, and
   * returns the RowDescription to relay: masked columns become `text`
   * (a masked value is no longer of the column's type) unless masked as NULL.
   */
  describe(command: CommandMasking, fields: readonly RowField[]): RowField[] {
    const { plan } = command;
    const flows = plan.flows?.[command.statement];
    const objects = plan.objects[command.statement] ?? [];
    const sensitiveByName = new Map<number, Sensitivity | null>();
    for (const [i, field] of fields.entries()) {
      if (field.tableOid !== 0) sensitiveByName.set(i, this.fieldSensitivity(plan, field));
    }
    // Is anything sensitive within this statement's reach? Then an expression
    // column the analysis cannot vouch for is masked whole.
    const sensitiveViews = objects.some((name) => this.relationIsSensitive(plan, name));
    const readsSensitive =
      plan.columns.size > 0 || sensitiveViews || [...sensitiveByName.values()].some((s) => s !== null);
    if (readsSensitive) command.readSensitive = true;
    const flowsTrusted = flows !== undefined && !sensitiveViews && !flows.some((f) => f.column === null);
    const actions: (ColumnAction | undefined)[] = [];
    const out: RowField[] = [];
    for (const [i, field] of fields.entries()) {
      let sensitivity: Sensitivity | null;
      let column: string;
      if (field.tableOid !== 0) {
        sensitivity = sensitiveByName.get(i) ?? null;
        column = this.nameOf(field) ?? `${field.name} (unresolved)`;
      } else {
        const flow = flows?.find((f) => f.column === i);
        const clean = flow?.flow === 'clean' && flowsTrusted;
        const masked = !clean && (readsSensitive || (flow !== undefined && flow.flow !== 'clean'));
        const sources = (flow?.sensitive ?? []).map((name) => plan.columns.get(name) ?? 'redact');
        sensitivity = masked ? { method: derivedMethod(sources), derived: true } : null;
        column = field.name;
      }
      actions.push(this.action(command, field, column, sensitivity));
      const action = actions[i];
      out.push(
        action?.kind === 'mask' && action.method !== 'null'
          ? { ...field, typeOid: TEXT_OID, typeSize: -1, typeModifier: -1 }
          : field,
      );
    }
    command.rows = actions.some((a) => a !== undefined)
      ? new RowMasker(actions, this.rowMasking(command))
      : null;
    return out;
  }

  /**
   * The masker for the rows of the COPY the current statement started:
   * columns from its described source, as a query's RowDescription would
   * give them; when the layout is unknown or does not match, every column
   * is masked whole (fail closed). Null when nothing needs masking.
   */
  copyRows(
    command: CommandMasking,
    fields: readonly RowField[] | null | undefined,
    columns: number,
    format: CopyFormat,
  ): CopyRowMasker | null {
    let rows: RowMasker | null;
    if (fields && fields.length === columns) {
      this.describe(command, fields);
      rows = command.rows;
      command.rows = null;
    } else {
      const actions: ColumnAction[] = Array.from({ length: columns }, (_, i) => {
        const column = `copy column ${i + 1} (unresolved)`;
        return { kind: 'mask', method: 'redact', tally: command.report.tally({ column, method: 'redact' }) };
      });
      rows = new RowMasker(actions, this.rowMasking(command));
    }
    return rows && new CopyRowMasker(format, columns, rows);
  }

  /**
   * Did the command read a column the policy masks, as far as the proxy can
   * tell without its rows: named by the decision, seen in a result's
   * columns, or behind a view of the catalog already loaded.
   */
  readsSensitive(command: CommandMasking): boolean {
    const { plan } = command;
    if (plan.columns.size > 0 || command.readSensitive) return true;
    return plan.objects.some((names) =>
      names.some((name) => this.catalog.relationNamed(name) && this.relationIsSensitive(plan, name)),
    );
  }

  /**
   * The scanner for the text fields of an ErrorResponse or NoticeResponse:
   * the fields are one row of scanned columns named `columns`, so the
   * detectors, their methods and their counts are those of result rows.
   * Null when the plan runs no detectors.
   */
  fieldScanner(command: CommandMasking, columns: readonly string[]): RowMasker | null {
    if (command.plan.detectorKinds.length === 0) return null;
    const actions = columns.map((column): ColumnAction => ({ kind: 'scan', column }));
    return new RowMasker(actions, this.rowMasking(command));
  }

  private action(
    command: CommandMasking,
    field: RowField,
    column: string,
    sensitivity: Sensitivity | null,
  ): ColumnAction | undefined {
    const { plan, report } = command;
    // Binary values cannot be masked or scanned as text: masked as NULL (Bind asks for text when it matters).
    if (field.format === 1 && (sensitivity !== null || plan.detectorKinds.length > 0)) {
      return { kind: 'mask', method: 'null', tally: report.tally({ column, method: 'null' }) };
    }
    if (sensitivity !== null) {
      // Without a masking key `hash` cannot be computed: redact instead (never pass the value).
      const method = sensitivity.method === 'hash' && !this.canHash ? 'redact' : sensitivity.method;
      return { kind: 'mask', method, tally: report.tally({ column, method }) };
    }
    return plan.detectorKinds.length > 0 ? { kind: 'scan', column } : undefined;
  }

  private rowMasking(command: CommandMasking) {
    const kinds = command.plan.detectorKinds;
    return {
      masker: this.masker,
      scanner: kinds.length > 0 ? this.scannerFor(kinds) : undefined,
      detectorMethods: command.plan.detectors,
      report: command.report,
    };
  }

  private scannerFor(kinds: readonly DetectorKind[]): Scanner {
    const key = [...kinds].sort().join(',');
    let scanner = this.scanners.get(key);
    if (!scanner) this.scanners.set(key, (scanner = createScanner({ kinds })));
    return scanner;
  }

  private nameOf(field: RowField): string | undefined {
    return this.catalog.relation(field.tableOid)?.columns.get(field.columnNumber);
  }

  /** A field with a table OID: unresolvable → masked whole (fail closed). */
  private fieldSensitivity(plan: MaskingPlan, field: RowField): Sensitivity | null {
    const relation = this.catalog.relation(field.tableOid);
    const name = relation?.columns.get(field.columnNumber);
    if (!relation || name === undefined) return { method: 'redact', derived: true };
    return this.columnSensitivity(plan, relation, field.columnNumber, name, 0);
  }

  private columnSensitivity(
    plan: MaskingPlan,
    relation: CatalogRelation,
    attnum: number,
    name: string,
    depth: number,
  ): Sensitivity | null {
    const named = plan.columns.get(name);
    if (named) return { method: named, derived: false };
    if (relation.definition !== null) return this.viewColumn(plan, relation, attnum, depth);
    try {
      const method = this.sensitivity.methodsOf([name]).get(name);
      return method ? { method, derived: false } : null;
    } catch {
      return { method: 'redact', derived: true };
    }
  }

  /** A view's column: the view definition's flows, over its sources' own sensitivity. */
  private viewColumn(
    plan: MaskingPlan,
    view: CatalogRelation,
    attnum: number,
    depth: number,
  ): Sensitivity | null {
    let columns = this.views.get(view.oid);
    if (!columns) {
      columns = this.viewColumns(plan, view, depth);
      this.views.set(view.oid, columns);
    }
    return columns.get(attnum) ?? null;
  }

  private viewColumns(
    plan: MaskingPlan,
    view: CatalogRelation,
    depth: number,
  ): Map<number, Sensitivity | null> {
    const all = (s: Sensitivity | null) => new Map([...view.columns.keys()].map((attnum) => [attnum, s]));
    if (depth >= MAX_VIEW_DEPTH) return all({ method: 'redact', derived: true });
    try {
      const read = classifyCommand(view.definition!).columns_read.flatMap((name) => this.expandStar(name));
      const sources = new Map<string, MaskMethod>();
      for (const name of read) {
        const relation = this.catalog.relationNamed(name.slice(0, name.lastIndexOf('.')));
        if (!relation) {
          // A source the catalog does not know (not loaded, or gone): fail closed.
          if (relation === undefined) return all({ method: 'redact', derived: true });
          continue;
        }
        const attnum = [...relation.columns].find(([, column]) => column === name)?.[0];
        if (attnum === undefined) continue;
        const s = this.columnSensitivity(plan, relation, attnum, name, depth + 1);
        if (s) sources.set(name, s.derived && s.method === 'partial' ? 'redact' : s.method);
      }
      if (sources.size === 0) return all(null);
      const flows = sensitiveFlows(view.definition!, [...sources.keys()])[0] ?? [];
      const result = new Map<number, Sensitivity | null>();
      for (const attnum of view.columns.keys()) {
        const flow = flows.find((f) => f.column === attnum - 1);
        const methods = (flow?.sensitive ?? []).map((name) => sources.get(name) ?? 'redact');
        if (flow?.flow === 'clean') result.set(attnum, null);
        else if (flow?.flow === 'plain' && methods.length === 1)
          result.set(attnum, { method: methods[0]!, derived: false });
        else result.set(attnum, { method: derivedMethod(methods), derived: true });
      }
      return result;
    } catch {
      return all({ method: 'redact', derived: true });
    }
  }

  private expandStar(name: string): string[] {
    if (!name.endsWith('.*')) return [name];
    const relation = this.catalog.relationNamed(name.slice(0, -2));
    return relation ? [...relation.columns.values()] : [name];
  }

  /** Relations a view's definition reads (so they can be loaded before describe). */
  private viewObjects(relation: CatalogRelation): string[] {
    if (relation.definition === null) return [];
    try {
      return classifyCommand(relation.definition).statements.flatMap((s) => s.objects);
    } catch {
      return [];
    }
  }

  /** A named relation with any column the policy masks (views followed through their definitions). */
  private relationIsSensitive(plan: MaskingPlan, name: string): boolean {
    const relation = this.catalog.relationNamed(name);
    if (relation === undefined) return true;
    if (relation === null || relation.definition === null) return false;
    return [...relation.columns].some(
      ([attnum, column]) => this.columnSensitivity(plan, relation, attnum, column, 0) !== null,
    );
  }
}
