import { loadConfigOrExit } from '../lib/config';
import { createLogger } from '../lib/logger';
import { connectClient } from '../lib/temporal';
import { scheduleContext } from '../schedules';
import { applyDeclaredSchedules } from '../schedules/apply';

/** `npm run schedules:apply`: creates or updates every declared schedule, and removes retired ones. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, { process: 'schedules' });
  const client = await connectClient(config);
  try {
    await applyDeclaredSchedules(client, scheduleContext(config), { logger, prune: true });
  } finally {
    await client.connection.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`schedules:apply failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
