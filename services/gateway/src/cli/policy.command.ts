import { resolve } from 'node:path';
import { buildPolicyBundle, evaluatePolicyFile, PolicyEngine, runDecisionFixtures } from '@portcullis/policy';
import { ValidationError } from '@portcullis/events';
import { loadCliConfig, type CliIo, type StoreOptions } from './common.js';
import { createLogger } from '../logging/logger.js';
import { openRuntime } from '../runtime/gateway-runtime.js';
import { replayPolicy } from '../policy/policy-replay.js';
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

export interface PolicyReplayOptions extends StoreOptions {
  bundle?: string;
  data?: string;
  since?: string;
  target?: string;
  json?: boolean;
}

/**
 * `portcullis policy replay`: every recorded command decided again by a
 * candidate bundle (and data); prints each change of outcome or masks with
 * counts and examples. Exit 1 when anything changed (for CI), 0 when not.
 */
export async function policyReplay(options: PolicyReplayOptions, io: CliIo): Promise<number> {
  const since = options.since === undefined ? undefined : new Date(options.since);
  if (since && Number.isNaN(since.getTime())) {
    throw new ValidationError(`--since must be a date or time (ISO 8601), not "${options.since}"`);
  }
  const candidate = await PolicyEngine.load(
    resolve(options.bundle ?? shippedPolicy.bundle),
    options.data ? { data: resolve(options.data) } : {},
  );
  const config = await loadCliConfig(options);
  const runtime = await openRuntime(config, createLogger('warn', config.instance));
  try {
    const report = await replayPolicy(runtime.store, candidate, {
      ...(since ? { since } : {}),
      ...(options.target ? { target: options.target } : {}),
    });
    if (options.json) {
      io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      for (const change of report.changes) {
        io.stdout.write(`${change.change}: ${change.count}\n`);
        for (const e of change.examples) {
          io.stdout.write(`  ${e.target} ${e.subject} session ${e.sessionId} #${e.sequence}: ${e.text}\n`);
          io.stdout.write(`    recorded: ${e.recordedReasons.join('; ') || '—'}\n`);
          io.stdout.write(`    candidate: ${e.candidateReasons.join('; ') || '—'}\n`);
        }
      }
      const changed = report.commands - report.unchanged;
      io.stdout.write(
        `${changed === 0 ? 'NO CHANGE' : 'CHANGED'}: ${report.commands} commands replayed with ${report.candidateRevision}, ` +
          `${changed} would be decided differently\n`,
      );
    }
    return report.commands === report.unchanged ? 0 : 1;
  } finally {
    await runtime.close();
  }
}
