import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * One JSON logger for every process. Paths that could carry a secret are censored
 * even if a caller passes a raw object by mistake; `Secret` values print as `[redacted]` anyway.
 */
export function createLogger(
  level: string = 'info',
  bindings: Record<string, unknown> = {},
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid, ...bindings },
      redact: {
        paths: [
          'password',
          'token',
          'secret',
          'apiKey',
          'authorization',
          '*.password',
          '*.token',
          '*.secret',
          '*.apiKey',
          '*.authorization',
          'req.headers.authorization',
          'headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
