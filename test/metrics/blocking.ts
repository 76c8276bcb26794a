import type { PoolClient } from 'pg';
import type { WorkflowHandle } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../../lib/db';

/**
 * Holds `metricas_calculadas` locked so every metric activity that reaches its DELETE waits:
 * a test can then fault the run while all its metrics are in flight, deterministically.
 */
export async function lockMetricsTable(db: Database): Promise<{ release(): Promise<void> }> {
  const client: PoolClient = await db.pool.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE metricas_calculadas IN EXCLUSIVE MODE');
  return {
    async release() {
      await client.query('COMMIT');
      client.release();
    },
  };
}

/** Waits until the run has `count` activities started and not finished. */
export async function waitForRunningActivities(
  handle: WorkflowHandle,
  count: number,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    const started = pending.filter(
      (activity) => activity.lastStartedTime !== null && activity.lastStartedTime !== undefined,
    );
    if (started.length >= count) return;
    if (Date.now() > deadline) throw new Error(`only ${started.length} of ${count} activities started`);
    await sleep(100);
  }
}
