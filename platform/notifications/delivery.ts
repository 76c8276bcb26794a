import { Context } from '@temporalio/activity';
import type { Config } from '../../lib/config';
import type { Database } from '../../lib/db';
import { NonRetryableError } from '../../lib/errors';
import { claimPendingNotification, markNotificationSent, recordFailedSend } from '../../data/notifications';
import { createCredentialsStore } from '../credentials';
import { createSenders } from './channels';

/** After this many failed sends a notification is marked FAILED (and stays visible in the outbox). */
export const MAX_SEND_ATTEMPTS = 8;

export interface DeliveryResult {
  sent: number;
  failed: number;
  /** Still pending (a later delivery retries them). */
  pending: number;
}

/**
 * Sends what the outbox holds. Each row is claimed with `FOR UPDATE SKIP LOCKED`, sent, and marked
 * SENT in the same transaction: two deliveries never send one row at once, and a crash after the
 * send but before COMMIT resends it with the same id (receivers drop it by `webhook-id`, the
 * gateway by its idempotency key, mail readers by Message-ID). At least once, never under a new id.
 * A platform service: the telemetry and compliance activities spread it into theirs (and call it after
 * a send), so it runs inside their activity and heartbeats through its context.
 */
export function createNotificationActivities({
  config,
  db,
  now = () => new Date(),
}: {
  config: Config;
  db: Database;
  now?: () => Date;
}) {
  const senders = createSenders({ ...config.notifications, now });
  const credentials = createCredentialsStore(config.credentialsFile);

  return {
    async deliverPendingNotifications(input: { limit?: number } = {}): Promise<DeliveryResult> {
      const result: DeliveryResult = { sent: 0, failed: 0, pending: 0 };
      const limit = input.limit ?? 500;
      // A row that failed in this delivery waits for the next one (no tight retry loop).
      const tried: string[] = [];
      for (let n = 0; n < limit; n++) {
        Context.current().heartbeat(result);
        const done = await db.withTransaction(async (client) => {
          const row = await claimPendingNotification(client, MAX_SEND_ATTEMPTS, tried);
          if (!row) return false;
          tried.push(row.id);
          try {
            const secret = row.webhook_secret_ref ? credentials.resolve(row.webhook_secret_ref) : null;
            const webhookSecret =
              typeof secret === 'string' ? secret : ((secret as { secret?: string } | null)?.secret ?? null);
            await senders[row.channel](row.id, row.payload, {
              email: row.email,
              phone: row.phone,
              webhookUrl: row.webhook_url,
              webhookSecret,
            });
            await markNotificationSent(client, row.id);
            result.sent += 1;
          } catch (error) {
            const final = error instanceof NonRetryableError || row.attempts + 1 >= MAX_SEND_ATTEMPTS;
            await recordFailedSend(client, row.id, (error as Error).message.slice(0, 500), final);
            if (final) result.failed += 1;
            else result.pending += 1;
          }
          return true;
        });
        if (!done) break;
      }
      return result;
    },
  };
}
