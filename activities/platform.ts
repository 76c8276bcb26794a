import type { Database } from '../lib/db';

export interface PlatformActivityDeps {
  db: Database;
}

/** How long canary rows are kept. */
const CANARY_RETENTION = '7 days';

export function createPlatformActivities({ db }: PlatformActivityDeps) {
  return {
    /** Idempotent: the scheduled time is the key, so a retried activity writes nothing twice. */
    async recordCanary(input: { scheduledFor: string; workflowId: string }): Promise<{ recorded: boolean }> {
      return db.withTransaction(async (client) => {
        const inserted = await client.query(
          `INSERT INTO platform_canary (scheduled_for, workflow_id) VALUES ($1, $2)
           ON CONFLICT (scheduled_for) DO NOTHING`,
          [input.scheduledFor, input.workflowId],
        );
        await client.query(`DELETE FROM platform_canary WHERE scheduled_for < now() - $1::interval`, [
          CANARY_RETENTION,
        ]);
        return { recorded: inserted.rowCount === 1 };
      });
    },
  };
}
