import { deleteOldCanaries, insertCanary } from '../../data/platform';
import type { Database } from '../../lib/db';
import { cancellableDatabase } from '../cancellable-db';

export interface PlatformActivityDeps {
  db: Database;
}

/** How long canary rows are kept. */
const CANARY_RETENTION = '7 days';

export function createPlatformActivities({ db }: PlatformActivityDeps) {
  return {
    /**
     * Idempotent: the scheduled time is the key, so a retried activity writes nothing twice. A run
     * scheduled before the retention window (a late backfill) is not recorded at all: inserting it
     * would let the retention below delete it again, and a retry would then insert it a second time.
     * Heartbeats while it waits (a lock on the table), so a cancelled run rolls it back.
     */
    async recordCanary(input: { scheduledFor: string; workflowId: string }): Promise<{ recorded: boolean }> {
      return cancellableDatabase(db).withTransaction(async (client) => {
        const recorded = await insertCanary(client, { ...input, retention: CANARY_RETENTION });
        // The same `now()` as the insert (the transaction's), so the row just written is never the one deleted.
        await deleteOldCanaries(client, CANARY_RETENTION);
        return { recorded };
      });
    },
  };
}
