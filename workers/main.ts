import { createActivitiesByQueue } from '../activities';
import { ConfigError, loadConfigOrExit, requireSetting } from '../lib/config';
import { createDatabase } from '../lib/db';
import { createLogger } from '../lib/logger';
import { migrate } from '../lib/migrate';
import { connectClient, connectWorkerConnection, describeTemporalSecurity, temporalAddress } from '../lib/temporal';
import { scheduleContext } from '../schedules';
import { applyDeclaredSchedules } from '../schedules/apply';
import { createWorkers, runWorkers } from './create-workers';
import { installRuntime } from './runtime';
import { assertMetricsAddressFree, WorkerStartupError } from './startup-checks';
import { workflowSource } from './workflow-source';

/** `npm run worker`: the task queues of WORKER_TASK_QUEUES against configured services. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const databaseUrl = requireSetting(config.database.url, 'DATABASE_URL');
  // Before any side effect (migrations, schedules): what would make this worker fail later.
  await assertMetricsAddressFree(config.worker.metricsAddress);
  const logger = createLogger(config.logLevel, { process: 'worker' });
  await migrate(databaseUrl, logger);
  // Apply (never prune) the schedules: idempotent, so concurrent replicas converge.
  const client = await connectClient(config);
  await applyDeclaredSchedules(client, scheduleContext(config), { logger, prune: false }).finally(() =>
    client.connection.close(),
  );

  // Installed only now: the runtime takes over SIGINT/SIGTERM, which until here simply stop the process.
  installRuntime(logger, config.worker.metricsAddress);
  const db = createDatabase({ url: databaseUrl, max: config.database.poolMax, logger });
  const connection = await connectWorkerConnection(config);
  const activitiesByQueue = createActivitiesByQueue({ config, db });
  try {
    const workers = await createWorkers({
      connection,
      namespace: config.temporal.namespace,
      workers: config.worker.taskQueues.map((taskQueue) => ({ taskQueue, activities: activitiesByQueue[taskQueue] })),
      workflowSource: workflowSource(config.worker.workflowBundlePath),
    });
    logger.info(
      {
        taskQueues: config.worker.taskQueues,
        metrics: config.worker.metricsAddress,
        temporal: `${temporalAddress(config)} (${describeTemporalSecurity(config)})`,
      },
      'workers running',
    );
    // The runtime shuts the workers down gracefully on SIGINT/SIGTERM; run() returns after.
    await runWorkers(workers);
  } finally {
    // Never let a close error hide the error that got us here.
    await connection.close().catch((error: unknown) => logger.warn({ err: String(error) }, 'closing Temporal'));
    await db.close().catch((error: unknown) => logger.warn({ err: String(error) }, 'closing the database'));
  }
  logger.info('workers stopped');
}

main().catch((error: unknown) => {
  // A setting to fix: one line naming it, not a stack trace.
  if (error instanceof ConfigError) {
    const problems = error.problems.map(({ variable, message }) => `${variable} ${message}`).join('; ');
    process.stderr.write(`worker not started: ${problems} (set it, or run everything locally with npm start)\n`);
    process.exit(2);
  }
  if (error instanceof WorkerStartupError) {
    process.stderr.write(`worker not started: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
