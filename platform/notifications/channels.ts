import nodemailer, { type Transporter } from 'nodemailer';
import { MissingConfigurationError, RejectedPayloadError } from '../../lib/errors';
import { emailOf, smsOf, webhookBodyOf, type NotificationEvent } from '../../lib/notifications/messages';
import { webhookHeaders } from '../../lib/notifications/webhook-signature';
import type { Secret } from '../../lib/secret';
import { httpExchange, statusError } from '../http-client';

/** A webhook or the SMS gateway gets this long to answer; the delivery tries again later. */
const SEND_TIMEOUT_MS = 15_000;

/** The three channels. Each send carries the outbox id, so a receiver can drop a repeat. */
export interface Recipient {
  email: string | null;
  phone: string | null;
  webhookUrl: string | null;
  /** Resolved from the user's reference in CREDENTIALS_FILE. */
  webhookSecret: string | null;
}

export interface ChannelDeps {
  smtpUrl: Secret | undefined;
  from: string;
  smsGatewayUrl: Secret | undefined;
  now: () => Date;
}

export type Sender = (id: string, event: NotificationEvent, to: Recipient) => Promise<void>;

export function createSenders(deps: ChannelDeps): Record<'email' | 'webhook' | 'sms', Sender> {
  let transport: Transporter | undefined;
  return {
    async email(id, event, to) {
      if (!deps.smtpUrl) throw new MissingConfigurationError('SMTP_URL is not set');
      if (!to.email) throw new RejectedPayloadError('the user has no email address');
      transport ??= nodemailer.createTransport(deps.smtpUrl.reveal());
      const { subject, text } = emailOf(event);
      // The Message-ID is the outbox id: a resend after a crash is recognisable as the same mail.
      await transport.sendMail({
        from: deps.from,
        to: to.email,
        subject,
        text,
        messageId: `<${id}@durable-pipelines>`,
      });
    },

    async webhook(id, event, to) {
      if (!to.webhookUrl || !to.webhookSecret) throw new RejectedPayloadError('the user has no webhook URL or secret');
      const timestamp = Math.floor(deps.now().getTime() / 1000);
      const body = webhookBodyOf(event, id, timestamp);
      const { status } = await httpExchange(
        to.webhookUrl,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...webhookHeaders({ id, timestamp, body, secret: to.webhookSecret }),
          },
          body,
        },
        { timeoutMs: SEND_TIMEOUT_MS },
      );
      // A 4xx other than 429 is final (RejectedPayloadError); anything else non-2xx is tried again later.
      const failure = statusError(status, `the webhook answered ${status}`);
      if (failure) throw failure;
    },

    async sms(id, event, to) {
      if (!deps.smsGatewayUrl) throw new MissingConfigurationError('SMS_GATEWAY_URL is not set');
      if (!to.phone) throw new RejectedPayloadError('the user has no phone number');
      // Twilio's Messages API: account and token from the URL's user and password.
      const url = new URL(deps.smsGatewayUrl.reveal());
      const account = decodeURIComponent(url.username);
      const token = decodeURIComponent(url.password);
      url.username = '';
      url.password = '';
      const endpoint = `${url.toString().replace(/\/$/, '')}/2010-04-01/Accounts/${encodeURIComponent(account)}/Messages.json`;
      const { status } = await httpExchange(
        endpoint,
        {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${account}:${token}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
            'idempotency-key': id,
          },
          body: new URLSearchParams({ To: to.phone, From: 'PIPELINES', Body: smsOf(event) }),
        },
        { timeoutMs: SEND_TIMEOUT_MS },
      );
      if (status === 401) throw new MissingConfigurationError('the SMS gateway refused SMS_GATEWAY_URL credentials');
      const failure = statusError(status, `the SMS gateway answered ${status}`);
      if (failure) throw failure;
    },
  };
}
