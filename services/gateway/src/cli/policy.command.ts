import { resolve } from 'node:path';
import { buildPolicyBundle, evaluatePolicyFile, runDecisionFixtures } from '@portcullis/policy';
import { ValidationError } from '@portcullis/events';
import type { CliIo } from './common.js';
import { shippedPolicy } from '../policy/shipped-policy.js';

export async function policyBuild(
  options: { source?: string; out?: string; capabilities?: string },
  io: CliIo,
): Promise<number> {
  const { exitCode } = await buildPolicyBundle({
    sourceDir: resolve(options.source ?? shippedPolicy.source),
    outputFile: resolve(options.out ?? shippedPolicy.bundle),
    capabilitiesFile: resolve(options.capabilities ?? shippedPolicy.capabilities),
    stdout: io.stdout,
    stderr: io.stderr,
  });
  return exitCode;
}

export async function policyTest(
  options: { bundle?: string; fixtures?: string; data?: string },
  io: CliIo,
): Promise<number> {
  const run = await runDecisionFixtures({
    bundle: resolve(options.bundle ?? shippedPolicy.bundle),
    fixturesDir: resolve(options.fixtures ?? shippedPolicy.fixtures),
    stdout: io.stdout,
    ...(options.data ? { engineOptions: { data: resolve(options.data) } } : {}),
  });
  return run.exitCode;
}

export async function policyEval(
  options: { input?: string; entrypoint?: string; bundle?: string; data?: string },
  io: CliIo,
): Promise<number> {
  if (!options.input) throw new ValidationError('policy eval needs --input FILE');
  const entrypoint = options.entrypoint ?? 'command';
  if (entrypoint !== 'session' && entrypoint !== 'command') {
    throw new ValidationError(`--entrypoint must be session or command, not "${entrypoint}"`);
  }
  const { exitCode } = await evaluatePolicyFile({
    bundle: resolve(options.bundle ?? shippedPolicy.bundle),
    inputFile: resolve(options.input),
    entrypoint,
    ...(options.data ? { data: resolve(options.data) } : {}),
    stdout: io.stdout,
    stderr: io.stderr,
  });
  return exitCode;
}
