import type { Database } from '../../lib/db';

/** The users who hear of events, their contact channels and their subscriptions (`notification_users`, `notification_subscriptions`). */

export interface NotificationUserRow {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  webhook_url: string | null;
  webhook_secret_ref: string | null;
  daily_summary: boolean;
  subscriptions: { subject: string; eventTypes: string[]; channels: string[] }[];
}

export interface NewNotificationUser {
  name: string;
  email: string | null;
  phone: string | null;
  webhookUrl: string | null;
  webhookSecretRef: string | null;
  dailySummary: boolean;
}

/** Every user (at most 1,000), or the one with `id`, with their subscriptions by subject. */
export async function readNotificationUsers(db: Pick<Database, 'query'>, id?: number): Promise<NotificationUserRow[]> {
  const { rows } = await db.query<NotificationUserRow>(
    `SELECT u.id::text, u.name, u.email, u.phone, u.webhook_url, u.webhook_secret_ref, u.daily_summary,
            COALESCE(json_agg(json_build_object('subject', s.subject, 'eventTypes', s.event_types, 'channels', s.channels)
                     ORDER BY s.subject) FILTER (WHERE s.id IS NOT NULL), '[]') AS subscriptions
       FROM notification_users u LEFT JOIN notification_subscriptions s ON s.user_id = u.id
      WHERE $1::bigint IS NULL OR u.id = $1 GROUP BY u.id ORDER BY u.id LIMIT 1000`,
    [id ?? null],
  );
  return rows;
}

/** Adds a user; returns its id. */
export async function insertNotificationUser(db: Pick<Database, 'query'>, user: NewNotificationUser): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO notification_users (name, email, phone, webhook_url, webhook_secret_ref, daily_summary)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::text`,
    [user.name, user.email, user.phone, user.webhookUrl, user.webhookSecretRef, user.dailySummary],
  );
  return Number(rows[0]!.id);
}

/** Removes a user; its subscriptions and outbox rows go with it (ON DELETE CASCADE). False if there was none. */
export async function deleteNotificationUser(db: Pick<Database, 'query'>, id: number): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM notification_users WHERE id = $1', [id]);
  return Boolean(rowCount);
}

/** Subscribes a user to a subject's events, replacing what it had for that subject. */
export async function upsertSubscription(
  db: Pick<Database, 'query'>,
  subscription: { userId: number; subject: string; eventTypes: readonly string[]; channels: readonly string[] },
): Promise<void> {
  await db.query(
    `INSERT INTO notification_subscriptions (user_id, subject, event_types, channels) VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id, subject) DO UPDATE SET event_types = EXCLUDED.event_types, channels = EXCLUDED.channels`,
    [subscription.userId, subscription.subject, subscription.eventTypes, subscription.channels],
  );
}

/** Removes a user's subscription to a subject. False if there was none. */
export async function deleteSubscription(
  db: Pick<Database, 'query'>,
  userId: number,
  subject: string,
): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM notification_subscriptions WHERE user_id = $1 AND subject = $2', [
    userId,
    subject,
  ]);
  return Boolean(rowCount);
}

/** The local demo's operator, subscribed to every point's events by email and SMS; added once, to an empty table. */
export async function addDemoSubscriberOnce(db: Pick<Database, 'query'>): Promise<void> {
  await db.query(
    `WITH existing AS (SELECT id FROM notification_users LIMIT 1),
          added AS (
            INSERT INTO notification_users (name, email, phone)
            SELECT 'Demo operator', 'operator@localhost', '+56900000000' WHERE NOT EXISTS (SELECT 1 FROM existing)
            RETURNING id)
     INSERT INTO notification_subscriptions (user_id, subject, event_types, channels)
     SELECT id, '*', '{}', '{email,sms}' FROM added`,
  );
}
