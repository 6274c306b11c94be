import { createScanner, maskDetected, maskValue } from '@portcullis/masking';
import type { MaskingPlan } from './masking-plan.js';

const scanner = createScanner();

/**
 * Bound parameters as the audit trail may hold them (`CommandReceived.parameters`).
 * The trail never keeps a sensitive value: when the statement touches a column
 * the policy masks, a parameter may be a value of it (`WHERE ssn = $1`,
 * `INSERT … VALUES ($1)`), so every parameter is redacted; otherwise each one
 * goes through every detector and what they find is redacted. NULL stays
 * null, and the count and positions of the parameters are kept.
 */
export function recordedParameters(
  parameters: readonly (string | null)[],
  plan: Pick<MaskingPlan, 'columns'>,
): (string | null)[] {
  if (plan.columns.size > 0)
    return parameters.map((value) => (value === null ? null : maskValue(value, 'redact')));
  return parameters.map((value) =>
    value === null ? null : maskDetected(value, scanner.detect(value), 'redact'),
  );
}
