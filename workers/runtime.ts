import { DefaultLogger, makeTelemetryFilterString, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../lib/logger';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Installs the Temporal runtime once per process: SDK logs go to our logger, and the SDK's
 * metrics (task latencies, slots, poll counts) are served for Prometheus at `metricsAddress`.
 */
export function installRuntime(
  logger: Logger,
  metricsAddress: string,
  /** The runtime shuts workers down on these; the local stack orders its own shutdown instead. */
  shutdownSignals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR2'],
): void {
  Runtime.install({
    shutdownSignals,
    // The SDK's INFO lines (every worker state change) are noise unless someone is debugging.
    logger: new DefaultLogger(logger.isLevelEnabled('debug') ? 'DEBUG' : 'WARN', (entry) => {
      logger[LEVELS[entry.level]]({ ...entry.meta, sdk: true }, entry.message);
    }),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      metrics: { prometheus: { bindAddress: metricsAddress } },
    },
  });
}
