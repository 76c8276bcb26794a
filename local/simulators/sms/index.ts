import express, { Router } from 'express';
import type { Simulator } from '../index';

/**
 * An SMS gateway speaking Twilio's Messages API (`POST /2010-04-01/Accounts/{sid}/Messages.json`,
 * basic auth, form body To/From/Body), mounted at `/sms`. It keeps what it accepted, and an
 * `Idempotency-Key` it has seen answers the first message again instead of sending a second.
 */
export const SMS_DEMO_ACCOUNT = { sid: 'AC0000demo', token: 'demo-sms-token' } as const;

export interface SentSms {
  sid: string;
  to: string;
  from: string;
  body: string;
  idempotencyKey: string | undefined;
}

export interface SmsSimulator extends Simulator {
  messages: SentSms[];
  /** Requests that repeated an idempotency key (answered, not sent). */
  repeats: number;
  /** The next N requests answer 503. */
  failNext(count: number): void;
}

export function createSmsSimulator(account: { sid: string; token: string } = SMS_DEMO_ACCOUNT): SmsSimulator {
  const messages: SentSms[] = [];
  const byKey = new Map<string, SentSms>();
  let failing = 0;
  const router = Router();
  const simulator: SmsSimulator = {
    path: '/sms',
    description: `SMS gateway (Twilio Messages API): account ${account.sid} / ${account.token}`,
    router,
    messages,
    repeats: 0,
    failNext: (count) => (failing = count),
  };
  router.post(
    '/2010-04-01/Accounts/:sid/Messages.json',
    express.urlencoded({ extended: false, limit: '10kb' }),
    (req, res) => {
      const expected = `Basic ${Buffer.from(`${account.sid}:${account.token}`).toString('base64')}`;
      if (req.params.sid !== account.sid || req.headers.authorization !== expected) {
        res.status(401).json({ code: 20003, message: 'Authenticate', status: 401 });
        return;
      }
      if (failing > 0) {
        failing -= 1;
        res.status(503).json({ code: 20500, message: 'Service unavailable', status: 503 });
        return;
      }
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (typeof body.To !== 'string' || typeof body.Body !== 'string' || body.Body.length === 0) {
        res.status(400).json({ code: 21604, message: "A 'To' phone number and a 'Body' are required", status: 400 });
        return;
      }
      const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
      const seen = key ? byKey.get(key) : undefined;
      if (seen) {
        simulator.repeats += 1;
        res.status(201).json({ sid: seen.sid, status: 'queued', to: seen.to, body: seen.body });
        return;
      }
      const message: SentSms = {
        sid: `SM${String(messages.length + 1).padStart(32, '0')}`,
        to: body.To,
        from: typeof body.From === 'string' ? body.From : '',
        body: body.Body,
        idempotencyKey: key,
      };
      messages.push(message);
      if (key) byKey.set(key, message);
      res.status(201).json({ sid: message.sid, status: 'queued', to: message.to, body: message.body });
    },
  );
  return simulator;
}
