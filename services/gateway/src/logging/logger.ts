import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs (pino). Anything that could carry a credential is
 * redacted by path, so a token or password never reaches a log line even when
 * a whole object is logged.
 */
export function createLogger(
  level: string,
  instance: string,
  /** `stderr` for commands whose stdout is their output (`events tail`). */
  to: 'stdout' | 'stderr' = 'stdout',
): Logger {
  const options = {
    level,
    base: { instance },
    redact: {
      paths: [
        'token',
        'password',
        'authorization',
        '*.token',
        '*.password',
        '*.authorization',
        'req.headers.authorization',
        'config.store.url',
        'clientSecret',
        '*.clientSecret',
      ],
      censor: '[redacted]',
    },
  };
  return to === 'stderr' ? pino(options, pino.destination(2)) : pino(options);
}

/** Lets Nest's own messages go through the same pino logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly pino: Logger) {}
  log(message: unknown, context?: string) {
    this.pino.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.pino.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.pino.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.pino.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.pino.trace({ context }, String(message));
  }
}
