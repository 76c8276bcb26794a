import type { PoolClient } from 'pg';
import type { Database } from '../../lib/db';
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

/** One email to one user (the daily summary), keyed like the others: writing it again is a no-op. */
export async function enqueueEmail(
  db: Pick<Database, 'query'>,
  event: NotificationEvent,
  userId: string,
): Promise<number> {
  const { rowCount } = await db.query(
    `INSERT INTO notification_outbox (id, about, user_id, channel, payload) VALUES ($1, $2, $3, 'email', $4)
       ON CONFLICT DO NOTHING`,
    [notificationId(event.about, userId, 'email'), event.about, userId, JSON.stringify(event)],
  );
  return rowCount ?? 0;
}

/** A pending notification with the contact details of its user. */
export interface PendingNotification {
  id: string;
  channel: Channel;
  payload: NotificationEvent;
  attempts: number;
  email: string | null;
  phone: string | null;
  webhook_url: string | null;
  webhook_secret_ref: string | null;
}

/**
 * Locks the oldest pending row not in `skip` that has attempts left, for the caller's transaction
 * (`SKIP LOCKED`: a row another delivery holds is passed over, never sent twice at once).
 */
export async function claimPendingNotification(
  client: PoolClient,
  maxAttempts: number,
  skip: readonly string[],
): Promise<PendingNotification | undefined> {
  const { rows } = await client.query<PendingNotification>(
    `SELECT o.id, o.channel, o.payload, o.attempts, u.email, u.phone, u.webhook_url, u.webhook_secret_ref
       FROM notification_outbox o JOIN notification_users u ON u.id = o.user_id
      WHERE o.status = 'PENDING' AND o.attempts < $1 AND NOT (o.id = ANY($2::text[]))
      ORDER BY o.created_at, o.id LIMIT 1 FOR UPDATE OF o SKIP LOCKED`,
    [maxAttempts, skip],
  );
  return rows[0];
}

export async function markNotificationSent(client: PoolClient, id: string): Promise<void> {
  await client.query(
    "UPDATE notification_outbox SET status = 'SENT', attempts = attempts + 1, sent_at = now(), last_error = NULL WHERE id = $1",
    [id],
  );
}

/** Counts a failed send; `final` marks the row FAILED, otherwise it stays PENDING for a later delivery. */
export async function recordFailedSend(client: PoolClient, id: string, error: string, final: boolean): Promise<void> {
  await client.query(
    'UPDATE notification_outbox SET attempts = attempts + 1, last_error = $2, status = $3 WHERE id = $1',
    [id, error, final ? 'FAILED' : 'PENDING'],
  );
}

export interface OutboxRow {
  id: string;
  about: string;
  user_id: string;
  channel: string;
  status: string;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
}

/** The outbox, newest first, optionally of one status. */
export async function listOutbox(
  db: Pick<Database, 'query'>,
  filter: { status: string | undefined; limit: number },
): Promise<OutboxRow[]> {
  const { rows } = await db.query<OutboxRow>(
    `SELECT id, about, user_id::text, channel, status, attempts, last_error, created_at, sent_at FROM notification_outbox
          WHERE $1::text IS NULL OR status = $1 ORDER BY created_at DESC, id LIMIT $2`,
    [filter.status ?? null, filter.limit],
  );
  return rows;
}
