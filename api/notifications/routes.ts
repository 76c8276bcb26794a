import { Router } from 'express';
import type { z } from 'zod';
import {
  deleteNotificationUser,
  deleteSubscription,
  insertNotificationUser,
  listOutbox,
  readNotificationUsers,
  upsertSubscription,
} from '../../data/notifications';
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
  const rows = await readNotificationUsers(db, id);
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
      const id = await insertNotificationUser(db, {
        name: body.name,
        email: body.email ?? null,
        phone: body.phone ?? null,
        webhookUrl: body.webhookUrl ?? null,
        webhookSecretRef: body.webhookSecretRef ?? null,
        dailySummary: body.dailySummary,
      });
      res.status(201).json(await userOr404(id));
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
      if (!(await deleteNotificationUser(db, params.id))) throw notFound(`No user ${params.id}`);
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
      await upsertSubscription(db, {
        userId: params.id,
        subject: params.subject,
        eventTypes: body.eventTypes,
        channels: [...new Set(body.channels)],
      });
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
      if (!(await deleteSubscription(db, params.id, params.subject)))
        throw notFound(`User ${params.id} has no subscription to ${params.subject}`);
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
      const rows = await listOutbox(db, { status: query.status, limit: query.limit });
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
