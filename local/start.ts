import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startApi } from '../api/server';
import { createActivitiesByQueue } from '../activities';
import { loadConfig, loadConfigOrExit, requireSetting, type Config } from '../lib/config';
import { createDatabase } from '../lib/db';
import { createLogger, type Logger } from '../lib/logger';
import { migrate } from '../lib/migrate';
import { connectClient, connectWorkerConnection } from '../lib/temporal';
import { scheduleContext } from '../schedules';
import { applyDeclaredSchedules } from '../schedules/apply';
import { createWorkers, runWorkers } from '../workers/create-workers';
import { installRuntime } from '../workers/runtime';
import { WORKFLOWS_ENTRY } from '../workers/workflow-source';
import { printBanner } from './banner';
import { seedDemoData } from './demo-data';
import { seedEtlDemoData } from './demo-data/etl';
import { createBigQuerySource } from '../lib/bigquery';
import { localDate } from '../lib/time';
import { startLocalServices, type LocalServices } from './services';

/**
 * `npm start`: the whole system on this machine. Services that are not configured
 * (DATABASE_URL, TEMPORAL_ADDRESS, BigQuery, upstream URLs) are started locally with their
 * state under DATA_DIR; then migrations, schedules, every worker and the API run in this process.
 */
const stops: (() => Promise<unknown>)[] = [];

async function main(): Promise<void> {
  const started = Date.now();
  const userConfig = loadConfigOrExit();
  const dataDir = path.resolve(userConfig.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const logger = createLogger(userConfig.logLevel, { process: 'local' });
  const stopAll = onceShutdown(logger, stops);
  try {
    await startStack(userConfig, dataDir, logger, stopAll, started);
  } catch (error) {
    logger.error({ err: error instanceof Error ? error.message : String(error) }, 'npm start failed');
    logger.debug({ stack: error instanceof Error ? error.stack : undefined }, 'npm start failed');
    stopAll(1);
  }
}

async function startStack(
  userConfig: Config,
  dataDir: string,
  logger: Logger,
  stopAll: (exitCode: number) => void,
  started: number,
): Promise<void> {
  // Bundling the workflows takes seconds of CPU: overlap it with the servers' start-up.
  const bundle = bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: quietBundlerLogger(logger) });
  bundle.catch(() => undefined); // awaited below; don't let a failure surface as unhandled first
  const services = await startLocalServices(userConfig, dataDir, logger, stops);
  const config = loadConfig({ ...process.env, ...services.env });

  const databaseUrl = requireSetting(config.database.url, 'DATABASE_URL');
  await migrate(databaseUrl, logger);
  const db = createDatabase({ url: databaseUrl, max: config.database.poolMax, logger });
  stops.push(() => db.close());
  // Demo data only in the embedded database this command started, never in a configured one.
  if (services.env.DATABASE_URL !== undefined) await seedDemoData(db, config.timeZone, logger);
  // The same for the BigQuery emulator this command started: the ETL's source tables.
  const seedEtl = () =>
    // Only the etl family reads it: a failure is reported, the rest of the stack goes on.
    seedEtlDemoData(createBigQuerySource(config.bigquery), localDate(new Date(), config.timeZone), logger).catch(
      (error: unknown) => logger.warn({ err: (error as Error).message }, 'etl demo data not written'),
    );
  if (services.emulator && !services.emulator.later) await seedEtl();
  const client = await connectClient(config);
  stops.push(() => client.connection.close());
  const schedules = await applyDeclaredSchedules(client, scheduleContext(config), { logger, prune: true });

  const workers = await startWorkers(config, db, await bundle, logger, stops, stopAll);
  // Compliance sends through one sender workflow: started now (the demo's configurations are due
  // on a first start) rather than at the ensure schedule's next tick.
  await client.schedule
    .getHandle('compliance-ensure')
    .trigger()
    .catch((error: unknown) => logger.warn({ err: (error as Error).message }, 'compliance-ensure not triggered'));
  const api = await startApi({ config, db, client, schedules, logger });
  stops.push(() => api.close());

  printBanner({ config, services, apiUrl: api.url, workers, seconds: (Date.now() - started) / 1000 });
  if (services.emulator?.later) void announceEmulator(services.emulator, seedEtl);
}

/** The emulator the stack did not wait for: one line when it serves (seeded), or why it never will. */
async function announceEmulator(emulator: NonNullable<LocalServices['emulator']>, seed: () => Promise<unknown>) {
  try {
    if (!(await emulator.ready)) return;
    await seed();
    process.stdout.write(`BigQuery emulator ready: ${emulator.endpoint} (the etl family runs from now on)\n`);
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    process.stdout.write(`BigQuery emulator unavailable: ${reason}; the etl pipeline will fail\n`);
  }
}

async function startWorkers(
  config: Config,
  db: ReturnType<typeof createDatabase>,
  bundle: { code: string },
  logger: Logger,
  stops: (() => Promise<unknown>)[],
  stopAll: (exitCode: number) => void,
): Promise<readonly string[]> {
  installRuntime(logger, config.worker.metricsAddress, []);
  const connection = await connectWorkerConnection(config);
  stops.push(() => connection.close());
  const activitiesByQueue = createActivitiesByQueue({ config, db });
  const workers = await createWorkers({
    connection,
    namespace: config.temporal.namespace,
    workers: config.worker.taskQueues.map((taskQueue) => ({ taskQueue, activities: activitiesByQueue[taskQueue] })),
    workflowSource: { workflowBundle: bundle },
  });
  const running = runWorkers(workers).catch((error: unknown) => {
    logger.error({ err: (error as Error).message }, 'a worker failed; stopping the local stack');
    stopAll(1);
  });
  stops.push(async () => {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  });
  return config.worker.taskQueues;
}

/** Stops everything in reverse order of start, once; a second Ctrl-C kills at once. */
function onceShutdown(logger: Logger, stops: (() => Promise<unknown>)[]): (exitCode: number) => void {
  let stoppingSince: number | undefined;
  const stopAll = (exitCode: number) => {
    if (stoppingSince !== undefined) {
      // A terminal's Ctrl-C reaches npm and this process at once, and npm relays it too:
      // only a signal well after the first means "stop now".
      if (Date.now() - stoppingSince < 1_000) return;
      logger.warn('second signal: exiting now');
      process.exit(130);
    }
    stoppingSince = Date.now();
    logger.info('stopping the local stack');
    void (async () => {
      for (const stop of [...stops].reverse()) {
        await stop().catch((error: unknown) => logger.warn({ err: (error as Error).message }, 'error while stopping'));
      }
      logger.info('local stack stopped');
      process.exit(exitCode);
    })();
  };
  // SIGHUP: the terminal closed. The servers run in their own sessions and would not get it.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stopAll(0));
  watchParent(() => {
    logger.warn('the process that started this stack is gone');
    stopAll(0);
  });
  return stopAll;
}

/**
 * `npm start` (or a supervisor's wrapper) killed outright cannot forward a signal: when it dies we
 * are re-parented, and stop as if it had asked.
 */
function watchParent(onGone: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onGone();
    }
  }, 1_000);
  timer.unref();
}

function quietBundlerLogger(logger: Logger) {
  const ignore = () => {};
  return {
    trace: ignore,
    debug: ignore,
    info: ignore,
    log: ignore,
    warn: (message: string) => logger.warn(message),
    error: (message: string) => logger.error(message),
  };
}

main().catch((error: unknown) => {
  process.stderr.write(
    `npm start failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
