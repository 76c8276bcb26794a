import { ConfigError, loadConfigOrExit, requireSetting } from '../lib/config';
import { createDatabase } from '../lib/db';
import { createLogger } from '../lib/logger';
import { migrate } from '../lib/migrate';
import { connectClient, describeTemporalSecurity, temporalAddress } from '../lib/temporal';
import { declareSchedules, scheduleContext } from '../schedules';
import { startApi } from './server';

/** `npm run api`: the control API against configured services (the local stack starts its own). */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  if (!config.api.keys || config.api.keys.length === 0) {
    // An API without keys would answer 401 to everyone: refuse instead of looking healthy.
    process.stderr.write('API_KEYS is required: set API_KEYS=name:role:secret[,…] (roles: viewer, operator)\n');
    process.exit(2);
  }
  const logger = createLogger(config.logLevel, { process: 'api' });
  const databaseUrl = requireSetting(config.database.url, 'DATABASE_URL');
  await migrate(databaseUrl, logger);
  const db = createDatabase({ url: databaseUrl, max: config.database.poolMax, logger });
  const client = await connectClient(config);
  const schedules = declareSchedules(scheduleContext(config));
  const api = await startApi({ config, db, client, schedules, logger });
  logger.info(
    {
      url: api.url,
      keys: config.api.keys.map((key) => `${key.name}:${key.role}`),
      temporal: `${temporalAddress(config)} (${describeTemporalSecurity(config)})`,
    },
    'api listening',
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'api stopping');
    // Stop taking requests first, so none is cut off by the database or Temporal closing under it.
    api
      .close()
      .then(() => Promise.all([db.close(), client.connection.close()]))
      .then(
        () => logger.info('api stopped'),
        (error: unknown) => {
          logger.error({ err: error }, 'api stopped with an error');
          process.exitCode = 1;
        },
      );
  };
  // The first signal stops gracefully; a second one (someone impatient) exits at once.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  // A setting to fix: one line naming it, not a stack trace.
  if (error instanceof ConfigError) {
    const problems = error.problems.map(({ variable, message }) => `${variable} ${message}`).join('; ');
    process.stderr.write(`api not started: ${problems} (set it, or run everything locally with npm start)\n`);
    process.exit(2);
  }
  process.stderr.write(`api failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
