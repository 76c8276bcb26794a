import path from 'node:path';
import { assertPortFree } from './processes';

/** MailDev's default ports: SMTP and its web inbox. */
export const MAIL_SMTP_PORT = 1025;
export const MAIL_WEB_PORT = 1080;

export interface MailInbox {
  smtpUrl: string;
  webUrl: string;
  stop(): Promise<void>;
}

/**
 * A real SMTP server with a web inbox (MailDev), on loopback, so the alert emails of the local
 * stack can be read in a browser. MailDev is an ES module: loaded with a dynamic import.
 */
export async function startMailInbox(dataDir: string): Promise<MailInbox> {
  await assertPortFree(MAIL_SMTP_PORT, 'MailDev SMTP', 'SMTP_URL');
  await assertPortFree(MAIL_WEB_PORT, 'MailDev web inbox', 'SMTP_URL');
  const { MailDev } = await import('maildev');
  const maildev = new MailDev({
    smtp: MAIL_SMTP_PORT,
    ip: '127.0.0.1',
    web: MAIL_WEB_PORT,
    webIp: '127.0.0.1',
    silent: true,
    // The inbox survives a restart, with the rest of the local state.
    mailDirectory: path.resolve(dataDir, 'mail'),
  } as ConstructorParameters<typeof MailDev>[0]);
  await maildev.start();
  return {
    smtpUrl: `smtp://127.0.0.1:${MAIL_SMTP_PORT}`,
    webUrl: `http://127.0.0.1:${MAIL_WEB_PORT}`,
    stop: () => maildev.stop(),
  };
}
