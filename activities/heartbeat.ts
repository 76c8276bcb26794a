import { Context } from '@temporalio/activity';

/**
 * How often an activity heartbeats while it waits on a statement or an upstream. The worker sends
 * at most one heartbeat per throttle interval (workers/create-workers.ts), so calling more often
 * costs nothing and keeps what the server sees, and cancellation, at most that old.
 */
export const HEARTBEAT_EVERY_MS = 1_000;

/**
 * Heartbeats every `intervalMs` while `work` runs, so one long SQL statement still shows the
 * activity alive: a worker that dies is noticed within the heartbeat timeout, not after the
 * start-to-close timeout, and a cancellation reaches the activity (it arrives only in a heartbeat's
 * answer). `details` (progress) goes with each heartbeat, so the last progress stays visible.
 */
export async function heartbeatWhile<T>(
  work: Promise<T>,
  details?: () => unknown,
  intervalMs = HEARTBEAT_EVERY_MS,
): Promise<T> {
  const context = Context.current();
  context.heartbeat(details?.());
  const timer = setInterval(() => context.heartbeat(details?.()), intervalMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
