import type { CommandInput, PolicyEngine } from '@portcullis/policy';
import type { ShadowDecisionDifferedData } from '@portcullis/events';
import { verdictOf, type Verdict } from './verdict.js';

/** What ShadowDecisionDiffered records, before the recorder adds session id and sequence. */
export type ShadowDifference = Omit<ShadowDecisionDifferedData, 'sessionId' | 'sequence'>;

/** What two decisions of one command are compared on: the outcome and the set of masks (order aside). */
export interface ComparableDecision {
  readonly outcome: string;
  readonly masks?: readonly unknown[];
}

/**
 * Whether two decisions of the same command differ: another outcome, or
 * other masks. The one rule behind the shadow policy and `policy replay`.
 */
export function decisionsDiffer(a: ComparableDecision, b: ComparableDecision): boolean {
  const masks = (m: readonly unknown[] | undefined) =>
    JSON.stringify((m ?? []).map((x) => JSON.stringify(x)).sort());
  return a.outcome !== b.outcome || masks(a.masks) !== masks(b.masks);
}

/**
 * A candidate policy evaluated beside the live one on real traffic
 * (`policy.shadow`): the same input, its verdict compared with the live
 * verdict (outcome and masks). It never affects what happens to the
 * command; only a difference is recorded (ShadowDecisionDiffered, after the
 * command's write-ahead pair), so a Rego author sees what the candidate
 * would change before it goes live.
 */
export class ShadowPolicy {
  constructor(readonly engine: PolicyEngine) {}

  /** The difference, or undefined when the candidate agrees with `live`. */
  compare(input: CommandInput, live: Verdict): ShadowDifference | undefined {
    const shadow = verdictOf(this.engine.decideCommand(input)).decided;
    if (!decisionsDiffer(live.decided, shadow)) return undefined;
    return {
      livePolicyRevision: live.decided.policyRevision,
      shadowPolicyRevision: shadow.policyRevision,
      liveOutcome: live.decided.outcome,
      shadowOutcome: shadow.outcome,
      shadowReasons: shadow.reasons,
      ...(live.decided.masks ? { liveMasks: live.decided.masks } : {}),
      ...(shadow.masks ? { shadowMasks: shadow.masks } : {}),
    };
  }
}
