import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startMailInbox } from '../../local/mail-inbox';
import { freePort } from '../harness/ports';

/**
 * The local stack's MailDev on the ports its settings name (MailDev itself is an ES module jest
 * cannot load: test/local/start.test.ts reads its inbox through the running stack).
 */
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mail-inbox-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('a taken port stops the start, naming its setting', async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const { port } = taken.address() as net.AddressInfo;
  try {
    await expect(startMailInbox(dataDir, { web: port, smtp: await freePort() })).rejects.toThrow(/MAILDEV_WEB_PORT/);
    await expect(startMailInbox(dataDir, { web: await freePort(), smtp: port })).rejects.toThrow(/MAILDEV_SMTP_PORT/);
  } finally {
    taken.close();
  }
});
