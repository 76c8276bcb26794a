import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createCredentialsStore } from '../../platform/credentials';
import { ConfigError, loadConfig } from '../../lib/config';
import { MissingConfigurationError } from '../../lib/errors';
import { signWebhook, verifyWebhook } from '../../lib/notifications/webhook-signature';

describe('telemetry and notification settings', () => {
  it('validates SMTP_URL, NOTIFY_FROM and SMS_GATEWAY_URL, naming the variable, and keeps the secrets redacted', () => {
    const config = loadConfig({
      CREDENTIALS_FILE: '/run/secrets/credentials.json',
      SMTP_URL: 'smtp://mailer:s3cret@mail.internal:587',
      SMS_GATEWAY_URL: 'https://AC1:tok3n@api.twilio.com',
      NOTIFY_FROM: 'alerts@example.com',
    });
    expect(config.credentialsFile).toBe('/run/secrets/credentials.json');
    expect(config.notifications.from).toBe('alerts@example.com');
    expect(JSON.stringify(config)).not.toMatch(/s3cret|tok3n/);
    for (const [variable, value] of [
      ['SMTP_URL', 'http://mail'],
      ['NOTIFY_FROM', 'not an address'],
      ['SMS_GATEWAY_URL', 'ftp://x'],
    ] as const) {
      try {
        loadConfig({ [variable]: value });
        throw new Error(`${variable}=${value} was accepted`);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems.map((p) => p.variable)).toEqual([variable]);
      }
    }
  });

  it('resolves credentials by reference from a mode-600 file, and refuses a readable one or an unknown name', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'credentials-'));
    try {
      const file = path.join(dir, 'credentials.json');
      writeFileSync(file, JSON.stringify({ 'twin-account': { baseUrl: 'http://x', username: 'u', password: 'p' } }));
      chmodSync(file, 0o600);
      const store = createCredentialsStore(file);
      expect(store.resolve('twin-account')).toMatchObject({ username: 'u' });
      expect(() => store.resolve('nope')).toThrow(MissingConfigurationError);
      chmodSync(file, 0o644);
      expect(() => store.resolve('twin-account')).toThrow(/mode 600/);
      expect(() => createCredentialsStore(undefined).resolve('x')).toThrow(/CREDENTIALS_FILE/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('signs webhooks the Standard Webhooks way (whsec_ secrets, v1 HMAC-SHA256 of id.timestamp.body)', () => {
    // The example of the Standard Webhooks specification's reference libraries.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const input = { id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: 1614265330, body: '{"test": 2432232314}', secret };
    expect(signWebhook(input)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(verifyWebhook({ ...input, signatures: `v1,bogus ${signWebhook(input)}` })).toBe(true);
    expect(verifyWebhook({ ...input, body: '{}', signatures: signWebhook(input) })).toBe(false);
  });
});
