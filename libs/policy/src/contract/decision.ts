/**
 * What the policies return (policies-rego/schemas/decision.schema.json) and
 * what the engine adds around it.
 */
export type MaskMethod = 'redact' | 'partial' | 'hash';

export type MaskRule = { column: string; method: MaskMethod } | { detector: string; method: MaskMethod };

export interface ReviewRequirement {
  required: boolean;
  reasons?: string[];
  approver_groups: string[];
  ttl_seconds: number;
  min_approvals: number;
}

export interface Decision {
  allow: boolean;
  deny: string[];
  review: ReviewRequirement;
  mask: MaskRule[];
  /** Command decisions: what to do with a column derived from a sensitive one the proxy cannot trace. */
  mask_derived?: 'mask' | 'deny';
  /**
   * Command decisions: until when (Unix ns) a fresh evaluation of the same
   * input, `now_ns` aside, would give this same decision. Absent: never reuse.
   */
  reuse_until_ns?: number;
  /** Session decisions: the role (PostgreSQL) or principal (SSH) the session acts as upstream, when data names one. */
  upstream?: { role?: string; principal?: string };
}

export type Entrypoint = 'session' | 'command';

/** A decision as the engine hands it out: the policy's answer plus provenance. */
export interface PolicyDecision extends Decision {
  decision_id: string;
  entrypoint: Entrypoint;
  bundle_revision: string;
  /** Wall time of the wasm evaluation (input encoding and result decoding included). */
  evaluation_ns: number;
  /** Set when the engine failed closed: why there is no policy answer. */
  error?: { code: string; message: string };
}
