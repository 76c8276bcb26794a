import net from 'node:net';
import path from 'node:path';
import { canConnect } from './processes';

/** MailDev's default ports: SMTP and its web inbox (taken ones are replaced by free ports). */
export const MAIL_SMTP_PORT = 1025;
export const MAIL_WEB_PORT = 1080;

export interface MailInbox {
  smtpUrl: string;
  webUrl: string;
  stop(): Promise<void>;
}

/** The preferred port when nothing listens on it, else one the system hands out. */
async function portFor(preferred: number): Promise<number> {
  if (!(await canConnect('127.0.0.1', preferred))) return preferred;
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A real SMTP server with a web inbox (MailDev), on loopback, so the alert emails of the local
 * stack can be read in a browser (its URL is in the banner). MailDev is an ES module: loaded with
 * a dynamic import. Its mails are kept under the data directory.
 */
export async function startMailInbox(dataDir: string): Promise<MailInbox> {
  const smtp = await portFor(MAIL_SMTP_PORT);
  const web = await portFor(MAIL_WEB_PORT);
  const { MailDev } = await import('maildev');
  const maildev = new MailDev({
    smtp,
    ip: '127.0.0.1',
    web,
    webIp: '127.0.0.1',
    silent: true,
    mailDirectory: path.resolve(dataDir, 'mail'),
  } as ConstructorParameters<typeof MailDev>[0]);
  await maildev.start();
  return { smtpUrl: `smtp://127.0.0.1:${smtp}`, webUrl: `http://127.0.0.1:${web}`, stop: () => maildev.stop() };
}
