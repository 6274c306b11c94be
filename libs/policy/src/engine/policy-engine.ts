import { randomUUID } from 'node:crypto';
import { isPortcullisError, ErrorCode, PortcullisError } from '@portcullis/events';
import { checkSchema, compileSchema } from '../contract/check-schema.js';
import { type Decision, type Entrypoint, type PolicyDecision } from '../contract/decision.js';
import { policyDecisionSchema } from '../contract/decision-schema.js';
import { policyInputSchema } from '../contract/input-schema.js';
import { type CommandInput, type SessionInput } from '../contract/policy-input.js';
import { readPolicyBundle } from '../bundle/policy-bundle.js';
import { type BundleVerification } from '../bundle/verify-bundle-signature.js';
import { type DecisionLogSink } from '../decision-log/decision-log.js';
import { DEFAULT_ERASED_INPUT_PATHS, eraseInput } from '../decision-log/erase-input.js';
import { EvaluationFailure, PolicyBundleError } from '../errors.js';
import { compilePolicy, describe, ENTRYPOINTS, type CompiledPolicy } from './compiled-policy.js';
import { enforceHostRules, failClosedDecision } from './fail-closed.js';
import { loadPolicyData, type PolicyData } from '../data/policy-data.js';

export interface PolicyEngineOptions {
  /** Require and verify .signatures.json with these keys. */
  verification?: BundleVerification;
  /**
   * An evaluation slower than this is treated as failed (deny). Wasm cannot be
   * interrupted mid-call, so this bounds what a slow policy can let through,
   * not how long it runs. Default 50 ms: decisions take tens to hundreds of
   * µs; the slack absorbs GC pauses and a busy machine descheduling us, which
   * would otherwise turn into spurious denies.
   */
  budgetNs?: number;
  decisionLog?: DecisionLogSink;
  /** JSON pointers into the input removed before logging (default: command text and argv). */
  erasedInputPaths?: readonly string[];
  /** The bundle's name in decision-log records (`bundles`). Default "portcullis". */
  bundleName?: string;
  /** Labels copied into every decision-log record (gateway instance, environment). */
  labels?: Record<string, string>;
  /** Nanoseconds since the epoch, for inputs without now_ns. */
  clock?: () => number;
  /**
   * Operator data (a YAML/JSON file or a directory of them) merged over the
   * bundle's `data.portcullis` at every load and reload (data/policy-data.ts).
   * The revision then names both: `<bundle revision>+data.<digest prefix>`.
   */
  data?: string;
}

export type ReloadResult =
  | { ok: true; revision: string; previousRevision: string }
  | { ok: false; error: PortcullisError; activeRevision: string };

const DEFAULT_BUDGET_NS = 50_000_000;
/** Probe evaluations per entrypoint before a bundle goes live, so V8 has compiled the hot wasm paths. */
const WARM_UP_ROUNDS = 16;

/** A minimal well-formed input: a new bundle must answer it with a valid decision before it goes live. */
const PROBE: CommandInput = {
  identity: { subject: 'portcullis-probe', issuer: 'portcullis-probe' },
  target: { name: 'portcullis-probe', protocol: 'postgres', labels: {} },
  command: { text: '', protocol: 'postgres', statements: [], columns_read: [] },
  now_ns: 0,
};

/**
 * Decides sessions and commands with a policy bundle compiled to wasm,
 * in-process. Every failure on the decision path is a deny with a reason;
 * decideSession/decideCommand never throw.
 */
export class PolicyEngine {
  private active: CompiledPolicy;
  private reloading: Promise<unknown> = Promise.resolve();
  private instances = 0;

  private constructor(
    initial: CompiledPolicy,
    private readonly options: PolicyEngineOptions,
  ) {
    this.active = initial;
  }

  /** Loads a bundle (tar.gz or directory). Throws PolicyBundleError / PolicyBundleSignatureError naming the cause. */
  static async load(source: string, options: PolicyEngineOptions = {}): Promise<PolicyEngine> {
    return new PolicyEngine(await buildInstance(source, options), options);
  }

  get revision(): string {
    return this.active.revision;
  }

  /**
   * Which loaded instance decides now: changes with every successful reload,
   * even when the revision name does not (new data under an old manifest).
   * A decision kept for reuse is valid only under the generation it came from.
   */
  get generation(): number {
    return this.instances;
  }

  get source(): string {
    return this.active.bundle.source;
  }

  /** The operator data in force (none without `options.data`). */
  get data(): PolicyData | undefined {
    return this.active.data;
  }

  decideSession(input: SessionInput): PolicyDecision {
    return this.decide('session', input);
  }

  decideCommand(input: CommandInput): PolicyDecision {
    return this.decide('command', input);
  }

  /**
   * Builds a new instance from `source` (default: the current one) completely,
   * probes it, then swaps. Evaluation is synchronous, so a decision always
   * runs wholly on the old instance or wholly on the new one. On any failure
   * the old instance stays active and the result says why.
   */
  reload(source: string = this.source): Promise<ReloadResult> {
    const next = this.reloading.then(async (): Promise<ReloadResult> => {
      const previousRevision = this.active.revision;
      try {
        this.active = await buildInstance(source, this.options);
        this.instances += 1;
        return { ok: true, revision: this.active.revision, previousRevision };
      } catch (error) {
        const wrapped = isPortcullisError(error)
          ? error
          : new PortcullisError(ErrorCode.Internal, `policy reload failed: ${describe(error)}`, {
              cause: error,
            });
        return { ok: false, error: wrapped, activeRevision: previousRevision };
      }
    });
    this.reloading = next;
    return next;
  }

  private decide(entrypoint: Entrypoint, rawInput: SessionInput | CommandInput): PolicyDecision {
    const policy = this.active;
    const input = withClock(rawInput, this.options.clock);
    let evaluationNs = 0;
    let result: unknown;
    let failure: { code: EvaluationFailure; message: string } | undefined;

    const problems = inputProblems(entrypoint, input);
    if (problems) {
      failure = {
        code: EvaluationFailure.InvalidInput,
        message: `input violates the policy input schema: ${problems}`,
      };
    } else {
      const started = process.hrtime.bigint();
      try {
        result = policy.evaluate(entrypoint, input);
      } catch (error) {
        failure = {
          code: EvaluationFailure.EvaluationError,
          message: `policy evaluation failed: ${describe(error)}`,
        };
      }
      evaluationNs = Number(process.hrtime.bigint() - started);
      failure ??= judgeResult(result, evaluationNs, this.options.budgetNs ?? DEFAULT_BUDGET_NS);
    }
    const decision = failure
      ? failClosedDecision(`portcullis: ${failure.message}`)
      : enforceHostRules(result as Decision);

    const out: PolicyDecision = {
      ...decision,
      decision_id: randomUUID(),
      entrypoint,
      bundle_revision: policy.revision,
      evaluation_ns: evaluationNs,
      ...(failure ? { error: failure } : {}),
    };
    this.log(out, input, decision);
    return out;
  }

  private log(decision: PolicyDecision, input: unknown, result: Decision): void {
    const sink = this.options.decisionLog;
    if (!sink) return;
    const erased = eraseInput(input, this.options.erasedInputPaths ?? DEFAULT_ERASED_INPUT_PATHS);
    try {
      sink.write({
        decision_id: decision.decision_id,
        path: ENTRYPOINTS[decision.entrypoint],
        input: erased.input,
        result,
        erased: erased.erased,
        bundles: { [this.options.bundleName ?? 'portcullis']: { revision: decision.bundle_revision } },
        timestamp: new Date().toISOString(),
        metrics: { timer_rego_query_eval_ns: decision.evaluation_ns },
        ...(this.options.labels ? { labels: this.options.labels } : {}),
        ...(decision.error ? { error: decision.error } : {}),
      });
    } catch {
      // A broken sink must not turn into an undecided request; the decision stands.
    }
  }
}

/** Shorthand for PolicyEngine.load. */
export function loadPolicyBundle(source: string, options: PolicyEngineOptions = {}): Promise<PolicyEngine> {
  return PolicyEngine.load(source, options);
}

async function buildInstance(source: string, options: PolicyEngineOptions): Promise<CompiledPolicy> {
  let bundle = await readPolicyBundle(
    source,
    options.verification ? { verification: options.verification } : {},
  );
  let policyData: PolicyData | undefined;
  if (options.data !== undefined) {
    const loaded = await loadPolicyData(options.data, bundle.data);
    policyData = loaded.policyData;
    bundle = {
      ...bundle,
      data: loaded.data,
      revision: `${bundle.revision}+data.${policyData.digest.slice(0, 16)}`,
    };
  }
  const compiled = await compilePolicy(bundle, policyData);
  for (const entrypoint of Object.keys(ENTRYPOINTS) as Entrypoint[]) {
    let result: unknown;
    try {
      for (let round = 0; round < WARM_UP_ROUNDS; round++) result = compiled.evaluate(entrypoint, PROBE);
    } catch (cause) {
      throw new PolicyBundleError(`${ENTRYPOINTS[entrypoint]} fails on a probe input: ${describe(cause)}`, {
        cause,
      });
    }
    const failure = judgeResult(result, 0, Infinity);
    if (failure)
      throw new PolicyBundleError(`${ENTRYPOINTS[entrypoint]} on a probe input: ${failure.message}`);
  }
  return compiled;
}

function judgeResult(
  result: unknown,
  evaluationNs: number,
  budgetNs: number,
): { code: EvaluationFailure; message: string } | undefined {
  if (result === undefined) {
    return { code: EvaluationFailure.Undefined, message: 'policy returned no decision (undefined)' };
  }
  if (!decisionIsValid(result)) {
    return {
      code: EvaluationFailure.InvalidDecision,
      message: `policy decision violates the decision schema: ${formatProblems(checkSchema(policyDecisionSchema, result))}`,
    };
  }
  if (evaluationNs > budgetNs) {
    return {
      code: EvaluationFailure.OverBudget,
      message: `policy evaluation took ${evaluationNs} ns, over the ${budgetNs} ns budget`,
    };
  }
  return undefined;
}

// Compiled once: the predicate runs on every decision, the full checker only
// when it says no and we need the reasons.
const inputIsValid = compileSchema(policyInputSchema);
const decisionIsValid = compileSchema(policyDecisionSchema);

function inputProblems(entrypoint: Entrypoint, input: unknown): string | undefined {
  const missingCommand =
    entrypoint === 'command' && typeof input === 'object' && input !== null && !('command' in input);
  if (inputIsValid(input) && !missingCommand) return undefined;
  const problems = checkSchema(policyInputSchema, input);
  if (missingCommand) problems.push({ path: '/command', message: 'is required for command decisions' });
  return formatProblems(problems);
}

function formatProblems(problems: { path: string; message: string }[]): string {
  return problems.map((p) => `${p.path || '/'} ${p.message}`).join('; ');
}

function withClock<T extends SessionInput>(input: T, clock: (() => number) | undefined): T {
  if (typeof input !== 'object' || input === null || input.now_ns !== undefined) return input;
  return { ...input, now_ns: clock ? clock() : Date.now() * 1_000_000 };
}
