import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { verifyWebhook } from '../../lib/notifications/webhook-signature';
import { SMS_DEMO_ACCOUNT } from '../../local/simulators/sms';
import { startSmtpCapture, type CapturedMail, type SmtpCapture } from '../harness/smtp';
import { createTelemetryTestContext, runTelemetryWorkflow, type TelemetryTestContext } from './harness';

const WEBHOOK_SECRET = `whsec_${Buffer.from('a test webhook secret, 32 bytes!').toString('base64')}`;

let mails: CapturedMail[] = [];
const hooks: { id: string; valid: boolean; body: string }[] = [];
let failHooks = 0;
let smtp: SmtpCapture;
let webhookServer: Server;
let webhookUrl: string;
let ctx: TelemetryTestContext;

beforeAll(async () => {
  // A real SMTP server on loopback, collecting what nodemailer delivers.
  smtp = await startSmtpCapture();
  mails = smtp.mails;

  const app = express();
  app.post('/hook', express.text({ type: '*/*' }), (req, res) => {
    const id = String(req.headers['webhook-id']);
    const valid = verifyWebhook({
      id,
      timestamp: Number(req.headers['webhook-timestamp']),
      body: req.body as string,
      secret: WEBHOOK_SECRET,
      signatures: String(req.headers['webhook-signature']),
    });
    if (failHooks > 0) {
      failHooks -= 1;
      res.status(500).end();
      return;
    }
    hooks.push({ id, valid, body: req.body as string });
    res.status(204).end();
  });
  webhookServer = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  webhookUrl = `http://127.0.0.1:${(webhookServer.address() as AddressInfo).port}/hook`;

  ctx = await createTelemetryTestContext((simulatorsUrl) => ({
    SMTP_URL: smtp.url,
    NOTIFY_FROM: 'alerts@example.test',
    SMS_GATEWAY_URL: `${simulatorsUrl.replace('http://', `http://${SMS_DEMO_ACCOUNT.sid}:${SMS_DEMO_ACCOUNT.token}@`)}/sms`,
  }));
  ctx.writeCredentials({ 'ops-webhook': { secret: WEBHOOK_SECRET } });
  const { rows } = await ctx.db.query<{ id: string }>(
    `INSERT INTO notification_users (name, email, phone, webhook_url, webhook_secret_ref) VALUES
       ('Ops', 'ops@example.test', '+56911111111', $1, 'ops-webhook'),
       ('Well owner', 'owner@example.test', NULL, NULL, NULL)
     RETURNING id::text`,
    [webhookUrl],
  );
  await ctx.db.query(
    `INSERT INTO notification_subscriptions (user_id, subject, event_types, channels) VALUES
       ($1, '*', '{telemetry.alert.opened}', '{email,webhook,sms}'),
       ($2, 'TWIN-5', '{}', '{email}')`,
    [rows[0]!.id, rows[1]!.id],
  );
}, 120_000);

afterAll(async () => {
  await ctx?.close();
  await new Promise((resolve) => webhookServer?.close(resolve));
  await smtp?.close();
});

const outbox = async () =>
  (
    await ctx.db.query<{ id: string; channel: string; status: string; attempts: number; user_email: string }>(
      `SELECT o.id, o.channel, o.status, o.attempts, u.email AS user_email
         FROM notification_outbox o JOIN notification_users u ON u.id = o.user_id ORDER BY o.id`,
    )
  ).rows;

describe('alert notifications through the outbox', () => {
  it('notifies each subscriber once per channel: SMTP, signed webhook, SMS gateway; a retry keeps the id', async () => {
    failHooks = 2;
    const { result } = await ctx.runCycle('alerts');
    expect(result.failed).toEqual([]);
    expect(result.alertsOpened).toBeGreaterThan(0);

    const rows = await outbox();
    const alerts = await ctx.db.query<{ n: bigint }>('SELECT count(*) AS n FROM telemetry_alerts');
    const twin5 = await ctx.db.query<{ n: bigint }>(
      "SELECT count(*) AS n FROM telemetry_alerts WHERE point_code = 'TWIN-5'",
    );
    expect(Number(twin5.rows[0]!.n)).toBeGreaterThan(0);
    // Ops: every alert on three channels; the owner: TWIN-5's alerts by email.
    expect(rows).toHaveLength(Number(alerts.rows[0]!.n) * 3 + Number(twin5.rows[0]!.n));

    const emails = rows.filter((row) => row.channel === 'email');
    expect(mails.map((mail) => mail.messageId).sort()).toEqual(
      emails.map((row) => `<${row.id}@durable-pipelines>`).sort(),
    );
    expect(mails.filter((mail) => mail.to === 'owner@example.test')).toHaveLength(Number(twin5.rows[0]!.n));
    expect(mails[0]!.subject).toMatch(/^\[[A-Z]+-\d\] /);

    const sms = rows.filter((row) => row.channel === 'sms');
    expect(ctx.sms.messages.map((m) => m.idempotencyKey).sort()).toEqual(sms.map((row) => row.id).sort());
    expect(ctx.sms.messages.every((m) => m.to === '+56911111111')).toBe(true);

    // Two webhooks failed once: they stay pending with their id, and the next delivery sends them.
    const pending = rows.filter((row) => row.status === 'PENDING');
    expect(pending.map((row) => row.channel)).toEqual(['webhook', 'webhook']);
    const again = await ctx.runCycle('alerts-again');
    expect(again.result.notifications?.sent).toBeGreaterThanOrEqual(2);
    const webhooks = (await outbox()).filter((row) => row.channel === 'webhook');
    expect(webhooks.every((row) => row.status === 'SENT')).toBe(true);
    expect(hooks.every((hook) => hook.valid)).toBe(true);
    const ids = hooks.map((hook) => hook.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => webhooks.some((row) => row.id === id))).toHaveLength(webhooks.length);
    for (const id of pending.map((row) => row.id)) expect(ids).toContain(id);
    expect(JSON.parse(hooks[0]!.body)).toMatchObject({
      type: 'telemetry.alert.opened',
      data: { rule: expect.any(String) },
    });

    // Nothing is sent twice: a third delivery finds nothing left.
    const sentMails = mails.length;
    const third = await ctx.runCycle('alerts-third');
    expect(mails.length - sentMails).toBe((await outbox()).filter((r) => r.channel === 'email').length - emails.length);
    expect(third.result.failed).toEqual([]);
  });

  it('sends the daily summary once per day to the users who ask for it', async () => {
    await ctx.db.query("UPDATE notification_users SET daily_summary = true WHERE email = 'owner@example.test'");
    const runSummary = async (name: string) => {
      const run = await runTelemetryWorkflow<{ enqueued: number; notifications: { sent: number } }>(ctx, {
        type: 'telemetryDailySummary',
        args: [{ timeZone: 'America/Santiago' }],
        queue: 'telemetry-summary',
        id: `telemetry-summary-${name}`,
      });
      return run.result;
    };
    const before = mails.length;
    const first = await runSummary('first');
    expect(first).toMatchObject({ enqueued: 1, notifications: { sent: 1 } });
    const summary = mails.slice(before);
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({ to: 'owner@example.test' });
    expect(summary[0]!.subject).toMatch(/\d+ alert\(s\), \d+ still open/);
    // The same day again: nothing new (the outbox row is keyed by the day).
    expect((await runSummary('again')).enqueued).toBe(0);
    expect(mails.length).toBe(before + 1);
  });
});
