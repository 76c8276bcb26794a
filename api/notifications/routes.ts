import { Router } from 'express';
import type { z } from 'zod';
import type { Database } from '../../lib/db';
import type { ApiDeps } from '../deps';
import { notFound } from '../http/problem';
import { defineRoute, type RouteKit } from '../http/route';
import {
  CreateUserSchema,
  OutboxListSchema,
  OutboxQuery,
  SubscriptionBodySchema,
  SubscriptionParams,
  UserIdParams,
  UserListSchema,
  UserSchema,
} from './schemas';

/** Users, their contact channels and subscriptions, and the outbox (shared by the families that notify). */

async function readUsers(db: Database, id?: number): Promise<z.input<typeof UserSchema>[]> {
  const { rows } = await db.query<{
    id: string;
    name: string;
    email: string | null;
    phone: string | null;
    webhook_url: string | null;
    webhook_secret_ref: string | null;
    daily_summary: boolean;
    subscriptions: { subject: string; eventTypes: string[]; channels: string[] }[];
  }>(
    `SELECT u.id::text, u.name, u.email, u.phone, u.webhook_url, u.webhook_secret_ref, u.daily_summary,
            COALESCE(json_agg(json_build_object('subject', s.subject, 'eventTypes', s.event_types, 'channels', s.channels)
                     ORDER BY s.subject) FILTER (WHERE s.id IS NOT NULL), '[]') AS subscriptions
       FROM notification_users u LEFT JOIN notification_subscriptions s ON s.user_id = u.id
      WHERE $1::bigint IS NULL OR u.id = $1 GROUP BY u.id ORDER BY u.id LIMIT 1000`,
    [id ?? null],
  );
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    webhookUrl: row.webhook_url,
    webhookSecretRef: row.webhook_secret_ref,
    dailySummary: row.daily_summary,
    subscriptions: row.subscriptions,
  }));
}

export function notificationRoutes(deps: ApiDeps, kit: RouteKit): Router {
  const router = Router();
  const { db } = deps;
  const userOr404 = async (id: number) => {
    const [user] = await readUsers(db, id);
    if (!user) throw notFound(`No user ${id}`);
    return user;
  };

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/notifications/users',
    summary: 'Users with their channels and subscriptions',
    tags: ['notifications'],
    role: 'viewer',
    responses: { 200: { description: 'Users', schema: UserListSchema } },
    async handler(_input, res) {
      res.json({ items: await readUsers(db) } satisfies z.input<typeof UserListSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'post',
    path: '/api/v1/notifications/users',
    summary: 'Add a user (email, phone, webhook URL with its secret by reference)',
    tags: ['notifications'],
    role: 'operator',
    request: { body: CreateUserSchema },
    responses: { 201: { description: 'Created', schema: UserSchema } },
    async handler({ body }, res) {
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO notification_users (name, email, phone, webhook_url, webhook_secret_ref, daily_summary)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::text`,
        [
          body.name,
          body.email ?? null,
          body.phone ?? null,
          body.webhookUrl ?? null,
          body.webhookSecretRef ?? null,
          body.dailySummary,
        ],
      );
      res.status(201).json(await userOr404(Number(rows[0]!.id)));
    },
  });

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/notifications/users/:id',
    summary: 'A user',
    tags: ['notifications'],
    role: 'viewer',
    request: { params: UserIdParams },
    responses: { 200: { description: 'The user', schema: UserSchema }, 404: { description: 'No such user' } },
    async handler({ params }, res) {
      res.json(await userOr404(params.id));
    },
  });

  defineRoute(router, kit, {
    method: 'delete',
    path: '/api/v1/notifications/users/:id',
    summary: 'Remove a user, its subscriptions and its pending notifications',
    tags: ['notifications'],
    role: 'operator',
    request: { params: UserIdParams },
    responses: { 204: { description: 'Removed' }, 404: { description: 'No such user' } },
    async handler({ params }, res) {
      const { rowCount } = await db.query('DELETE FROM notification_users WHERE id = $1', [params.id]);
      if (!rowCount) throw notFound(`No user ${params.id}`);
      res.status(204).end();
    },
  });

  defineRoute(router, kit, {
    method: 'put',
    path: '/api/v1/notifications/users/:id/subscriptions/:subject',
    summary: "Subscribe a user to a point's events (or every point's, subject *)",
    tags: ['notifications'],
    role: 'operator',
    request: { params: SubscriptionParams, body: SubscriptionBodySchema },
    responses: { 200: { description: 'The user', schema: UserSchema }, 404: { description: 'No such user' } },
    async handler({ params, body }, res) {
      await userOr404(params.id);
      await db.query(
        `INSERT INTO notification_subscriptions (user_id, subject, event_types, channels) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, subject) DO UPDATE SET event_types = EXCLUDED.event_types, channels = EXCLUDED.channels`,
        [params.id, params.subject, body.eventTypes, [...new Set(body.channels)]],
      );
      res.json(await userOr404(params.id));
    },
  });

  defineRoute(router, kit, {
    method: 'delete',
    path: '/api/v1/notifications/users/:id/subscriptions/:subject',
    summary: 'Remove a subscription',
    tags: ['notifications'],
    role: 'operator',
    request: { params: SubscriptionParams },
    responses: { 204: { description: 'Removed' }, 404: { description: 'No such subscription' } },
    async handler({ params }, res) {
      const { rowCount } = await db.query(
        'DELETE FROM notification_subscriptions WHERE user_id = $1 AND subject = $2',
        [params.id, params.subject],
      );
      if (!rowCount) throw notFound(`User ${params.id} has no subscription to ${params.subject}`);
      res.status(204).end();
    },
  });

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/notifications/outbox',
    summary: 'Notifications, newest first: what was sent, what is pending and why',
    tags: ['notifications'],
    role: 'viewer',
    request: { query: OutboxQuery },
    responses: { 200: { description: 'Outbox rows', schema: OutboxListSchema } },
    async handler({ query }, res) {
      const { rows } = await db.query<{
        id: string;
        about: string;
        user_id: string;
        channel: string;
        status: string;
        attempts: number;
        last_error: string | null;
        created_at: Date;
        sent_at: Date | null;
      }>(
        `SELECT id, about, user_id::text, channel, status, attempts, last_error, created_at, sent_at FROM notification_outbox
          WHERE $1::text IS NULL OR status = $1 ORDER BY created_at DESC, id LIMIT $2`,
        [query.status ?? null, query.limit],
      );
      res.json({
        items: rows.map((row) => ({
          id: row.id,
          about: row.about,
          userId: row.user_id,
          channel: row.channel,
          status: row.status,
          attempts: row.attempts,
          lastError: row.last_error,
          createdAt: row.created_at.toISOString(),
          sentAt: row.sent_at?.toISOString() ?? null,
        })),
      } satisfies z.input<typeof OutboxListSchema>);
    },
  });

  return router;
}
