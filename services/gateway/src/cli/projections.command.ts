import { formatPosition, ValidationError } from '@portcullis/events';
import { loadCheckpoint } from '@portcullis/eventstore';
import { createLogger } from '../logging/logger.js';
import { projectionChecksums, projectionRowCounts } from '../projections/checksums.js';
import { ProjectionRunner } from '../projections/projection-runner.js';
import type { Projection } from '../projections/projection.js';
import { projections } from '../projections/projections.service.js';
import { openRuntime } from '../runtime/gateway-runtime.js';
import { loadCliConfig, type CliIo, type StoreOptions } from './common.js';

export interface ProjectionsOptions extends StoreOptions {
  json?: boolean;
  checksums?: boolean;
}

function selected(name: string | undefined): Projection[] {
  if (name === undefined) return projections;
  const found = projections.find((p) => p.name === name);
  if (!found) {
    throw new ValidationError(`no projection named ${name}`, [
      { path: 'name', message: `must be one of ${projections.map((p) => p.name).join(', ')}` },
    ]);
  }
  return [found];
}

/**
 * `portcullis projections list`: each projection's checkpoint (the position
 * of the last event it applied) and its tables' row counts; with
 * `--checksums`, an md5 of each table's rows too.
 */
export async function projectionsList(options: ProjectionsOptions, io: CliIo): Promise<number> {
  const config = await loadCliConfig(options);
  const runtime = await openRuntime(config, createLogger('warn', config.instance));
  try {
    const report = [];
    for (const projection of projections) {
      const checkpoint = await loadCheckpoint(runtime.readModels, projection.name);
      report.push({
        name: projection.name,
        checkpoint: checkpoint ? formatPosition(checkpoint) : null,
        tables: options.checksums
          ? await projectionChecksums(runtime.readModels, projection)
          : await projectionRowCounts(runtime.readModels, projection),
      });
    }
    if (options.json) {
      io.stdout.write(JSON.stringify(report, null, 2) + '\n');
      return 0;
    }
    for (const p of report) {
      io.stdout.write(`${p.name}\tcheckpoint ${p.checkpoint ?? '(none)'}\n`);
      for (const t of p.tables) {
        io.stdout.write(`  ${t.table}\t${t.rows} rows${'md5' in t ? `\tmd5 ${t.md5}` : ''}\n`);
      }
    }
    return 0;
  } finally {
    await runtime.close();
  }
}

/**
 * `portcullis projections rebuild [NAME]`: empties the projection's tables,
 * forgets its checkpoint and applies every event again, with the runner the
 * gateway uses. Run it with the gateways stopped: a gateway applying events
 * meanwhile would move the checkpoint past what the rebuild has not applied.
 */
export async function projectionsRebuild(
  name: string | undefined,
  options: ProjectionsOptions,
  io: CliIo,
): Promise<number> {
  const chosen = selected(name);
  const config = await loadCliConfig(options);
  const log = createLogger('warn', config.instance);
  const runtime = await openRuntime(config, log);
  try {
    for (const projection of chosen) {
      const runner = new ProjectionRunner(projection, runtime.store, runtime.readModels, log);
      await runner.rebuild();
      const status = await settled(runner);
      await runner.stop();
      if (status.state !== 'live') {
        io.stderr.write(
          `portcullis: rebuilding ${projection.name} stalled after ${status.eventsApplied} events: ${status.lastError}; the gateway resumes it from there once the cause is fixed\n`,
        );
        return 1;
      }
      io.stdout.write(
        `rebuilt ${projection.name}: ${status.eventsApplied} events applied, checkpoint ${status.position ?? '(none)'}\n`,
      );
    }
    return 0;
  } finally {
    await runtime.close();
  }
}

/** Waits until the runner has caught up, or has stalled (on an event it cannot apply, or the store). */
async function settled(runner: ProjectionRunner) {
  for (;;) {
    const status = runner.snapshot();
    if (status.state === 'live' || status.state === 'stalled') return status;
    await new Promise((r) => setTimeout(r, 20));
  }
}
