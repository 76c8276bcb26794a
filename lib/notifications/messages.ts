import { createHash } from 'node:crypto';

/**
 * What a notification says, per channel, built from the event it is about. Family-neutral: an
 * event has a type (`telemetry.alert.opened`), a subject (a point code, a configuration) and data.
 */
export const CHANNELS = ['email', 'webhook', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface NotificationEvent {
  /** What it is about, stable across retries: the outbox key (e.g. `telemetry-alert:42:opened`). */
  about: string;
  type: string;
  subject: string;
  title: string;
  text: string;
  data: Record<string, unknown>;
}

/** The outbox row's id, and the webhook-id: derived from what it is about, so it never changes. */
export function notificationId(about: string, userId: string, channel: Channel): string {
  return `msg_${createHash('sha256').update(`${about}|${userId}|${channel}`).digest('hex').slice(0, 32)}`;
}

export function emailOf(event: NotificationEvent) {
  return {
    subject: `[${event.subject}] ${event.title}`,
    text: `${event.text}\n\n${JSON.stringify(event.data, null, 2)}\n`,
  };
}

export function webhookBodyOf(event: NotificationEvent, id: string, timestamp: number): string {
  return JSON.stringify({
    id,
    type: event.type,
    timestamp: new Date(timestamp * 1000).toISOString(),
    data: { subject: event.subject, ...event.data },
  });
}

/** One SMS segment's worth. */
export function smsOf(event: NotificationEvent): string {
  const text = `[${event.subject}] ${event.title}`;
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}
