import { verifyChains } from '@portcullis/eventstore';
import { openRuntime } from '../runtime/gateway-runtime.js';
import { createLogger } from '../logging/logger.js';
import { loadCliConfig, type CliIo, type StoreOptions } from './common.js';

/** Walks every hash chain (or one stream) and names the first broken link of each broken stream. */
export async function auditVerify(
  options: StoreOptions & { stream?: string; json?: boolean },
  io: CliIo,
): Promise<number> {
  const config = await loadCliConfig(options);
  const runtime = await openRuntime(config, createLogger('warn', config.instance));
  try {
    const report = await verifyChains(runtime.store, { streamName: options.stream });
    if (options.json) {
      io.stdout.write(JSON.stringify(report, null, 2) + '\n');
    } else {
      for (const b of report.breaks) {
        io.stdout.write(
          `BROKEN ${b.streamName} at revision ${b.revision} (event ${b.eventId}): ${b.problem}; expected ${b.expected}, found ${b.actual}\n`,
        );
      }
      io.stdout.write(
        `${report.breaks.length === 0 ? 'OK' : 'FAILED'}: ${report.events} events in ${report.streams} streams checked, ${report.breaks.length} broken\n`,
      );
    }
    return report.breaks.length === 0 ? 0 : 1;
  } finally {
    await runtime.close();
  }
}
