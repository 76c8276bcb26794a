import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks signatures (standardwebhooks.com): `webhook-signature: v1,<base64 HMAC-SHA256
 * of "<webhook-id>.<webhook-timestamp>.<body>">`. A `whsec_` secret is base64 after the prefix;
 * any other string is used as its bytes.
 */
export function secretBytes(secret: string): Buffer {
  return secret.startsWith('whsec_')
    ? Buffer.from(secret.slice('whsec_'.length), 'base64')
    : Buffer.from(secret, 'utf8');
}

export function signWebhook(input: { id: string; timestamp: number; body: string; secret: string }): string {
  const mac = createHmac('sha256', secretBytes(input.secret)).update(`${input.id}.${input.timestamp}.${input.body}`);
  return `v1,${mac.digest('base64')}`;
}

/** True when one of the (space-separated) signatures matches; for receivers and tests. */
export function verifyWebhook(input: {
  id: string;
  timestamp: number;
  body: string;
  secret: string;
  signatures: string;
}): boolean {
  const expected = Buffer.from(signWebhook(input));
  return input.signatures
    .split(' ')
    .map((candidate) => Buffer.from(candidate))
    .some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
}

export function webhookHeaders(input: { id: string; timestamp: number; body: string; secret: string }) {
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestamp),
    'webhook-signature': signWebhook(input),
  };
}
