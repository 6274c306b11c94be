import { setTimeout as delay } from 'node:timers/promises';
import { ErrorCode, PortcullisError, sessionStream, type SessionEvent } from '@portcullis/events';
import { createLogger } from '../logging/logger.js';
import { asciicastLines, sessionCast } from '../replay/session-cast.js';
import { openRuntime } from '../runtime/gateway-runtime.js';
import { loadCliConfig, type CliIo, type StoreOptions } from './common.js';

export interface ReplayOptions extends StoreOptions {
  asciicast?: boolean;
  speed?: string;
  maxIdle?: string;
  channel?: string;
}

/**
 * `portcullis replay <session>`: the terminal output of a recorded SSH
 * session, as an asciicast v2 file (`--asciicast`) or played on this
 * terminal at the recorded speed (`--speed`, idle gaps capped by `--max-idle`).
 */
export async function replay(session: string, options: ReplayOptions, io: CliIo): Promise<number> {
  const speed = positive(options.speed ?? '1', '--speed');
  const maxIdle = options.maxIdle === undefined ? Infinity : positive(options.maxIdle, '--max-idle', true);
  const channel = options.channel === undefined ? undefined : Number.parseInt(options.channel, 10);
  const sessionId = session.replace(/^session-/, '');
  const config = await loadCliConfig(options);
  const runtime = await openRuntime(config, createLogger('warn', config.instance));
  let stream;
  try {
    stream = await runtime.store.readStream<SessionEvent>(sessionStream(sessionId));
  } finally {
    await runtime.close();
  }
  if (stream.length === 0) {
    io.stderr.write(`portcullis: no session ${sessionId} in the store\n`);
    return 1;
  }
  const cast = sessionCast(stream, channel);
  if (!cast) {
    io.stderr.write(
      `portcullis: session ${sessionId} has no terminal recording (only pty channels are recorded)\n`,
    );
    return 1;
  }
  if (options.asciicast) {
    for (const line of asciicastLines(cast)) io.stdout.write(line + '\n');
    return 0;
  }
  let last = 0;
  for (const [time, code, data] of cast.events) {
    if (code !== 'o') continue;
    const wait = Math.min((time - last) / speed, maxIdle);
    last = time;
    if (wait > 0) await delay(wait * 1000);
    io.stdout.write(data);
  }
  return 0;
}

function positive(text: string, option: string, zeroAllowed = false): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (!zeroAllowed && value === 0))
    throw new PortcullisError(
      ErrorCode.Validation,
      `${option} must be a ${zeroAllowed ? 'non-negative' : 'positive'} number`,
    );
  return value;
}
