import { isDetectorKind, strictestMethod, type DetectorKind, type MaskMethod } from '@portcullis/masking';
import type { PolicyDecision, PostgresCommand } from '@portcullis/policy';
import { classifyCommand, copyOutput, sensitiveFlows, type SensitiveFlow } from '@portcullis/sql';
import { copyFormatOf, type CopyFormat } from './copy-row-masker.js';

/**
 * What the policy asked to be masked in one command's results, prepared at
 * decision time (before anything is forwarded): the named columns with their
 * methods, the detectors, what to do with derived columns, and per statement
 * which output positions carry a sensitive value (`sensitiveFlows`).
 */
export interface MaskingPlan {
  /** "schema.table.column" → method, from the decision's `mask` list. */
  readonly columns: ReadonlyMap<string, MaskMethod>;
  readonly detectors: Readonly<Partial<Record<DetectorKind, MaskMethod>>>;
  readonly detectorKinds: readonly DetectorKind[];
  readonly derived: 'mask' | 'deny';
  /** One entry per statement; null when the text could not be analysed (treated as "unknown": fail closed). */
  readonly flows: readonly (readonly SensitiveFlow[])[] | null;
  /** Relations each statement names, to find sensitive views the decision could not see. */
  readonly objects: readonly (readonly string[])[];
  /** Anything to do at all; when false rows go through untouched. */
  readonly active: boolean;
  /**
   * Per statement, for `COPY … TO STDOUT`: the query that has its columns and
   * the format its rows come in (copy-row-masker.ts); a string when the COPY
   * cannot be masked (it is refused).
   */
  readonly copies: readonly (CopyPlan | string | undefined)[];
}

export interface CopyPlan {
  readonly source: string;
  readonly format: CopyFormat;
}

export const NO_MASKING: MaskingPlan = {
  columns: new Map(),
  detectors: {},
  detectorKinds: [],
  derived: 'deny',
  flows: [],
  objects: [],
  active: false,
  copies: [],
};

/** The refusals the plan itself calls for, decided before the statement runs. */
export const DERIVED_REFUSAL = 'sensitive column in an expression';
export const COPY_REFUSAL = 'COPY of a sensitive column';

export function planMasking(decision: PolicyDecision, command: PostgresCommand): MaskingPlan {
  const columns = new Map<string, MaskMethod>();
  const detectors: Partial<Record<DetectorKind, MaskMethod>> = {};
  for (const rule of decision.mask) {
    if ('column' in rule) columns.set(rule.column, rule.method);
    // An unknown detector name cannot be run; the column rules still apply.
    else if (isDetectorKind(rule.detector)) detectors[rule.detector] = rule.method;
  }
  const detectorKinds = Object.keys(detectors) as DetectorKind[];
  let flows: SensitiveFlow[][] | null;
  try {
    flows =
      columns.size > 0 ? sensitiveFlows(command.text, [...columns.keys()]) : command.statements.map(() => []);
  } catch {
    flows = null;
  }
  return {
    columns,
    detectors,
    detectorKinds,
    derived: decision.mask_derived ?? 'deny',
    flows,
    objects: command.statements.map((s) => s.objects),
    active: columns.size > 0 || detectorKinds.length > 0,
    copies: planCopies(command),
  };
}

/** COPY … TO: how its output is masked, or why it cannot be. Statement texts come from the (cached) classification. */
function planCopies(command: PostgresCommand): (CopyPlan | string | undefined)[] {
  if (!command.statements.some((s) => s.copy?.direction === 'to')) return [];
  let texts: string[];
  try {
    texts = classifyCommand(command.text).statements.map((s) => s.text);
  } catch {
    return command.statements.map(() => COPY_REFUSAL);
  }
  return command.statements.map((statement, i) => {
    if (statement.copy?.direction !== 'to') return undefined;
    if (!statement.copy.stdio || statement.copy.program) return `${COPY_REFUSAL} to a file or program`;
    const output = copyOutput(texts[i] ?? '');
    if (output === null) return COPY_REFUSAL;
    const format = copyFormatOf(output);
    return typeof format === 'string' ? `${COPY_REFUSAL}: ${format}` : { source: output.source, format };
  });
}

/** A reason to refuse the statement before it runs, or undefined. */
export function maskingRefusal(plan: MaskingPlan, command: PostgresCommand): string | undefined {
  if (!plan.active) return undefined;
  // COPY TO sends CopyData, not DataRows: masked when its format can be read (copy-row-masker.ts).
  if (command.statements.some((s) => s.nested_kinds.includes('copy'))) return COPY_REFUSAL;
  const copyRefusal = plan.copies.find((c) => typeof c === 'string');
  if (copyRefusal !== undefined) return copyRefusal;
  if (plan.columns.size === 0) return undefined;
  if (plan.derived !== 'deny') return undefined;
  if (plan.flows === null) return DERIVED_REFUSAL;
  return plan.flows.some((statement) => statement.some((f) => f.flow === 'derived'))
    ? DERIVED_REFUSAL
    : undefined;
}

/**
 * The method for a value computed from sensitive columns: the least revealing
 * of theirs, but never `partial` (its shape rules are made for the column's
 * own values: `email || ssn` still looks like an email and would keep the ssn).
 */
export function derivedMethod(methods: Iterable<MaskMethod>): MaskMethod {
  let chosen: MaskMethod | undefined;
  for (const method of methods) {
    const safe = method === 'partial' ? 'redact' : method;
    chosen = chosen === undefined ? safe : strictestMethod(chosen, safe);
  }
  return chosen ?? 'redact';
}
