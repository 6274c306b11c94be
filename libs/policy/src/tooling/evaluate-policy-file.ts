import { readFile } from 'node:fs/promises';
import { type Writable } from 'node:stream';
import { type Entrypoint, type PolicyDecision } from '../contract/decision.js';
import { PolicyEngine } from '../engine/policy-engine.js';

export interface EvaluatePolicyFileOptions {
  bundle: string;
  inputFile: string;
  entrypoint: Entrypoint;
  /** Operator data merged over the bundle's, as the gateway merges `policy.data`. */
  data?: string;
  stdout: Writable;
  stderr: Writable;
}

/**
 * `portcullis policy eval`: decides one input file and prints the decision as
 * JSON (timing included in evaluation_ns). Exit code 0 when a decision was
 * printed, whatever it says; 1 when the input cannot be read.
 */
export async function evaluatePolicyFile(
  options: EvaluatePolicyFileOptions,
): Promise<{ exitCode: number; decision?: PolicyDecision }> {
  let input: unknown;
  try {
    input = JSON.parse(await readFile(options.inputFile, 'utf8'));
  } catch (error) {
    options.stderr.write(`cannot read input ${options.inputFile}: ${(error as Error).message}\n`);
    return { exitCode: 1 };
  }
  const engine = await PolicyEngine.load(options.bundle, options.data ? { data: options.data } : {});
  const decision =
    options.entrypoint === 'session'
      ? engine.decideSession(input as never)
      : engine.decideCommand(input as never);
  options.stdout.write(`${JSON.stringify(decision, null, 2)}\n`);
  options.stderr.write(`evaluated in ${(decision.evaluation_ns / 1000).toFixed(1)} µs\n`);
  return { exitCode: 0, decision };
}
