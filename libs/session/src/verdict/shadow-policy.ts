import type { CommandInput, PolicyEngine } from '@portcullis/policy';
import type { ShadowDecisionDifferedData } from '@portcullis/events';
import { verdictOf, type Verdict } from './verdict.js';

/** What ShadowDecisionDiffered records, before the recorder adds session id and sequence. */
export type ShadowDifference = Omit<ShadowDecisionDifferedData, 'sessionId' | 'sequence'>;

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
    const masks = (m: readonly unknown[] | undefined) =>
      JSON.stringify((m ?? []).map((x) => JSON.stringify(x)).sort());
    if (shadow.outcome === live.decided.outcome && masks(shadow.masks) === masks(live.decided.masks)) {
      return undefined;
    }
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
