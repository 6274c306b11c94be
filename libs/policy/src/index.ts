export * from './contract/policy-input.js';
export * from './contract/decision.js';
export { policyInputSchema } from './contract/input-schema.js';
export { policyDecisionSchema } from './contract/decision-schema.js';
export { policyDataSchema } from './contract/data-schema.js';
export {
  loadPolicyData,
  mergeData,
  PolicyDataError,
  readPolicyData,
  type PolicyData,
} from './data/policy-data.js';
export { checkSchema, type JsonSchema, type SchemaProblem } from './contract/check-schema.js';
export { PolicyBundleError, PolicyBundleSignatureError, EvaluationFailure } from './errors.js';
export { readPolicyBundle, type PolicyBundle, type ReadPolicyBundleOptions } from './bundle/policy-bundle.js';
export { type BundleVerification, type BundleVerificationKey } from './bundle/verify-bundle-signature.js';
export { ENTRYPOINTS } from './engine/compiled-policy.js';
export {
  PolicyEngine,
  loadPolicyBundle,
  type PolicyEngineOptions,
  type ReloadResult,
} from './engine/policy-engine.js';
export {
  MemoryDecisionLog,
  NdjsonDecisionLog,
  type DecisionLogRecord,
  type DecisionLogSink,
} from './decision-log/decision-log.js';
export { DEFAULT_ERASED_INPUT_PATHS, eraseInput } from './decision-log/erase-input.js';
export { findOpaBinary } from './tooling/opa-binary.js';
export {
  buildPolicyBundle,
  sourceRevision,
  type BuildPolicyBundleOptions,
} from './tooling/build-policy-bundle.js';
export { readDecisionFixtures, type DecisionFixture } from './tooling/decision-fixtures.js';
export { decisionDiff } from './tooling/decision-diff.js';
export {
  runDecisionFixtures,
  policyPart,
  type RunDecisionFixturesOptions,
  type FixtureRun,
} from './tooling/run-decision-fixtures.js';
export { evaluatePolicyFile, type EvaluatePolicyFileOptions } from './tooling/evaluate-policy-file.js';
export { evaluateFixturesWithOpa } from './tooling/opa-eval-fixtures.js';
