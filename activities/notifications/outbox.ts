import type { PoolClient } from 'pg';
import { CHANNELS, notificationId, type Channel, type NotificationEvent } from '../../lib/notifications/messages';

/**
 * Writes one outbox row per subscriber and channel for an event, in the caller's transaction (the
 * one that records what the event is about), so an event is never recorded without its
 * notifications or the other way round. Rows are keyed by (about, user, channel): writing them
 * again is a no-op, and their id never changes.
 */
export async function enqueueNotifications(
  client: PoolClient,
  event: NotificationEvent,
  /** Whose followers hear of it (an event about a provider: its points); each user once. */
  subjects: readonly string[] = [event.subject],
): Promise<number> {
  const { rows } = await client.query<{ user_id: string; channels: string[] }>(
    `SELECT user_id::text, channels FROM notification_subscriptions
      WHERE (subject = ANY($1::text[]) OR subject = '*') AND (cardinality(event_types) = 0 OR $2 = ANY(event_types))`,
    [subjects, event.type],
  );
  const targets = new Map<string, Set<Channel>>();
  for (const row of rows) {
    const channels = targets.get(row.user_id) ?? new Set<Channel>();
    for (const channel of row.channels)
      if ((CHANNELS as readonly string[]).includes(channel)) channels.add(channel as Channel);
    targets.set(row.user_id, channels);
  }
  const ids: string[] = [];
  const users: string[] = [];
  const channels: string[] = [];
  for (const [user, set] of targets)
    for (const channel of set) {
      ids.push(notificationId(event.about, user, channel));
      users.push(user);
      channels.push(channel);
    }
  if (ids.length === 0) return 0;
  const { rowCount } = await client.query(
    `INSERT INTO notification_outbox (id, about, user_id, channel, payload)
     SELECT i, $1, u::bigint, c, $2 FROM unnest($3::text[], $4::text[], $5::text[]) AS t(i, u, c)
     ON CONFLICT DO NOTHING`,
    [event.about, JSON.stringify(event), ids, users, channels],
  );
  return rowCount ?? 0;
}
