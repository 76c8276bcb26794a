import { z } from 'zod';
import { CHANNELS } from '../../lib/notifications/messages';
import { decimalInteger, plainText } from '../http/schemas';

const REFERENCE = /^[A-Za-z0-9][\w.-]{0,127}$/;

export const UserIdParams = z.strictObject({ id: decimalInteger({ min: 1, max: 2 ** 53 - 1 }) });
export const SubscriptionParams = z.strictObject({
  id: UserIdParams.shape.id,
  subject: z
    .string()
    .regex(/^(\*|[A-Za-z0-9][A-Za-z0-9_-]{0,63})$/, 'must be a point code, or * for every point')
    .meta({ example: 'TWIN-1' }),
});

export const CreateUserSchema = z.strictObject({
  name: plainText({ min: 1, max: 200 }),
  email: z
    .string()
    .regex(/^[^\s@<>]+@[^\s@<>]+$/, 'must be an email address')
    .max(254)
    .nullable()
    .optional(),
  phone: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number, e.g. +56912345678')
    .nullable()
    .optional(),
  webhookUrl: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .nullable()
    .optional(),
  webhookSecretRef: z
    .string()
    .regex(REFERENCE, 'must be the name of an entry of CREDENTIALS_FILE (never the secret itself)')
    .nullable()
    .optional(),
  dailySummary: z.boolean().default(false),
});

export const SubscriptionBodySchema = z.strictObject({
  eventTypes: z
    .array(z.string().regex(/^[a-z][a-z0-9_.]{0,99}$/))
    .max(50)
    .default([])
    .meta({ description: 'e.g. telemetry.alert.opened; empty means every type' }),
  channels: z.array(z.enum(CHANNELS)).min(1).max(3),
});

const Subscription = z.object({ subject: z.string(), eventTypes: z.array(z.string()), channels: z.array(z.string()) });

export const UserSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    webhookUrl: z.string().nullable(),
    webhookSecretRef: z.string().nullable(),
    dailySummary: z.boolean(),
    subscriptions: z.array(Subscription),
  })
  .meta({ id: 'NotificationUser' });
export const UserListSchema = z.object({ items: z.array(UserSchema) }).meta({ id: 'NotificationUserList' });

export const OutboxQuery = z.strictObject({
  status: z.enum(['PENDING', 'SENT', 'FAILED']).optional(),
  limit: decimalInteger({ min: 1, max: 1000 }).default(100),
});
export const OutboxListSchema = z
  .object({
    items: z.array(
      z.object({
        id: z.string(),
        about: z.string(),
        userId: z.string(),
        channel: z.string(),
        status: z.string(),
        attempts: z.number(),
        lastError: z.string().nullable(),
        createdAt: z.string(),
        sentAt: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'NotificationOutbox' });
