import { ErrorCode, PortcullisError } from '@portcullis/events';

/** A bundle that cannot be used: unreadable, malformed, incomplete or badly signed. */
export class PolicyBundleError extends PortcullisError {
  constructor(message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(ErrorCode.Validation, `policy bundle: ${message}`, options);
  }
}

/** A bundle whose signature does not verify against the configured keys. */
export class PolicyBundleSignatureError extends PortcullisError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(ErrorCode.Integrity, `policy bundle signature: ${message}`, options);
  }
}

/**
 * Why an evaluation produced no usable decision. Never thrown at callers of
 * decideSession/decideCommand (they get a deny); carried in the decision's
 * `error` and in the decision log.
 */
export const EvaluationFailure = {
  InvalidInput: 'INVALID_INPUT',
  EvaluationError: 'EVALUATION_ERROR',
  Undefined: 'UNDEFINED_RESULT',
  InvalidDecision: 'INVALID_DECISION',
  OverBudget: 'OVER_BUDGET',
} as const;
export type EvaluationFailure = (typeof EvaluationFailure)[keyof typeof EvaluationFailure];
