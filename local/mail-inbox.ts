import path from 'node:path';
import { assertPortFree } from './processes';

export interface MailInbox {
  smtpUrl: string;
  /** Where a browser opens the inbox (MailDev serves its page to requests that accept HTML). */
  webUrl: string;
  /** MailDev's JSON API: the messages received, newest last. */
  apiUrl: string;
  stop(): Promise<void>;
}

export interface MailInboxPorts {
  web: number;
  smtp: number;
}

/**
 * A real SMTP server with a web inbox (MailDev), on loopback, so the alert emails of the local
 * stack can be read in a browser (its URL is in the banner). Its ports are settings
 * (MAILDEV_WEB_PORT, MAILDEV_SMTP_PORT): a taken one stops the start, naming the variable, rather
 * than moving the inbox somewhere else on each start. MailDev is an ES module: loaded with a
 * dynamic import. Its mails are kept under the data directory.
 */
export async function startMailInbox(dataDir: string, ports: MailInboxPorts): Promise<MailInbox> {
  await assertPortFree(ports.smtp, 'MailDev SMTP', 'MAILDEV_SMTP_PORT');
  await assertPortFree(ports.web, 'MailDev inbox', 'MAILDEV_WEB_PORT');
  const { MailDev } = await import('maildev');
  const maildev = new MailDev({
    smtp: ports.smtp,
    ip: '127.0.0.1',
    web: ports.web,
    webIp: '127.0.0.1',
    silent: true,
    mailDirectory: path.resolve(dataDir, 'mail'),
  } as ConstructorParameters<typeof MailDev>[0]);
  // MailDev 3 announces its API on the console whatever `silent` says: keep the banner the only block.
  const info = console.info;
  console.info = () => {};
  try {
    await maildev.start();
  } finally {
    console.info = info;
  }
  const webUrl = `http://127.0.0.1:${ports.web}/`;
  return {
    smtpUrl: `smtp://127.0.0.1:${ports.smtp}`,
    webUrl,
    apiUrl: `${webUrl}api/email`,
    stop: () => maildev.stop(),
  };
}
