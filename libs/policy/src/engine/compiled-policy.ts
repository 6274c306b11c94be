import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { type Entrypoint } from '../contract/decision.js';
import { PolicyBundleError } from '../errors.js';
import { type PolicyBundle } from '../bundle/policy-bundle.js';
import { fastEvaluator } from './wasm-evaluate.js';
import type { PolicyData } from '../data/policy-data.js';

/** The two entrypoints of the DESIGN contract, as `opa build -e` names them. */
export const ENTRYPOINTS: Record<Entrypoint, string> = {
  session: 'portcullis/session/decision',
  command: 'portcullis/command/decision',
};

/** 64 KiB pages. The cap bounds what one oversized input can take; growing past it fails closed. */
const INITIAL_PAGES = 8;
const MAX_PAGES = 2048;

/**
 * One instantiated bundle: a wasm instance with its data loaded and both
 * entrypoints present. Immutable once built, so reload swaps whole instances.
 */
export interface CompiledPolicy {
  readonly revision: string;
  readonly bundle: PolicyBundle;
  /** The operator data merged into `bundle.data`, when there is any. */
  readonly data?: PolicyData;
  /** The policy's result for this entrypoint, or undefined when the policy defines none. Throws on evaluation errors. */
  evaluate(entrypoint: Entrypoint, input: unknown): unknown;
}

export async function compilePolicy(bundle: PolicyBundle, data?: PolicyData): Promise<CompiledPolicy> {
  let policy: LoadedPolicy;
  try {
    policy = await loadPolicy(bundle.wasm, { initial: INITIAL_PAGES, maximum: MAX_PAGES });
  } catch (cause) {
    throw new PolicyBundleError(`policy.wasm does not load: ${describe(cause)}`, { cause });
  }
  const available = policy.entrypoints as Record<string, number>;
  const ids = {} as Record<Entrypoint, number>;
  for (const [name, path] of Object.entries(ENTRYPOINTS) as [Entrypoint, string][]) {
    const id = available[path];
    if (id === undefined) {
      throw new PolicyBundleError(
        `policy.wasm lacks entrypoint ${path} (has: ${Object.keys(available).join(', ')})`,
      );
    }
    ids[name] = id;
  }
  try {
    policy.setData(bundle.data);
  } catch (cause) {
    throw new PolicyBundleError(`data.json does not load into the policy: ${describe(cause)}`, { cause });
  }
  const evaluate = fastEvaluator(policy);
  return {
    revision: bundle.revision,
    bundle,
    ...(data ? { data } : {}),
    evaluate(entrypoint, input) {
      const resultSet = evaluate(input, ids[entrypoint]) as { result: unknown }[] | undefined;
      // An empty result set is Rego's "undefined".
      return resultSet?.[0]?.result;
    },
  };
}

// opa-wasm throws strings and plain objects as well as Errors.
export function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  if (error && typeof (error as { message?: unknown }).message === 'string')
    return (error as { message: string }).message;
  return String(error);
}
