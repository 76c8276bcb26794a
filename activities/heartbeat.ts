import { Context } from '@temporalio/activity';

/**
 * Heartbeats every `intervalMs` while `work` runs, so one long SQL statement still shows the
 * activity alive: a worker that dies is noticed within the heartbeat timeout, not after the
 * start-to-close timeout. `details` (progress) goes with each heartbeat.
 */
export async function heartbeatWhile<T>(work: Promise<T>, details?: () => unknown, intervalMs = 2_000): Promise<T> {
  const context = Context.current();
  context.heartbeat(details?.());
  const timer = setInterval(() => context.heartbeat(details?.()), intervalMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
