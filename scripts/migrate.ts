import { loadConfigOrExit, requireSetting } from '../lib/config';
import { createLogger } from '../lib/logger';
import { migrate } from '../lib/migrate';

/** `npm run migrate`: applies pending migrations to DATABASE_URL. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, { process: 'migrate' });
  const applied = await migrate(requireSetting(config.database.url, 'DATABASE_URL'), logger);
  logger.info({ applied }, applied.length > 0 ? 'migrations applied' : 'database is up to date');
}

main().catch((error: unknown) => {
  process.stderr.write(`migrate failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
