import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type LogLevel, type Worker } from '@temporalio/worker';
import { createActivitiesByQueue } from '../../activities';
import { loadConfig, type Config } from '../../lib/config';
import { createDatabase, withDatabase, type Database } from '../../lib/db';
import { Secret } from '../../lib/secret';
import { dropDatabase, ensureDatabase } from '../../local/databases';
import { createWorkers, type WorkerSpec } from '../../workers/create-workers';
import { harnessValue } from './env';

/** Keys every test context's configuration accepts (`API_KEYS`). */
export const TEST_KEYS = {
  operator: 'test-operator-key-0123456789',
  viewer: 'test-viewer-key-0123456789ab',
} as const;

export interface TestContext {
  config: Config;
  db: Database;
  databaseUrl: Secret;
  client: Client;
  nativeConnection: NativeConnection;
  /** A task queue name no other test uses. */
  uniqueQueue(prefix: string): string;
  /** The real activities of the platform, built on this context's database. */
  activitiesByQueue: ReturnType<typeof createActivitiesByQueue>;
  /** Starts real workers (real activities, shared workflow bundle); they stop when `fn` settles. */
  withWorkers<T>(workers: WorkerSpec[], fn: (workers: Worker[]) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * One per test file: a fresh database cloned from the migrated template, a Temporal client and
 * a configuration pointing at both. `extraEnv` overrides configuration variables.
 */
export async function createTestContext(extraEnv: Record<string, string> = {}): Promise<TestContext> {
  quietSdkLogs();
  const adminUrl = new Secret(harnessValue('adminDatabaseUrl'));
  const name = `test_${randomBytes(6).toString('hex')}`;
  await ensureDatabase(adminUrl, name, harnessValue('templateDatabase'));
  const databaseUrl = withDatabase(adminUrl, name);
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl.reveal(),
    TEMPORAL_ADDRESS: harnessValue('temporalAddress'),
    API_KEYS: `ops:operator:${TEST_KEYS.operator},watcher:viewer:${TEST_KEYS.viewer}`,
    ...extraEnv,
  });
  const db = createDatabase({ url: databaseUrl, max: 5 });
  const connection = await Connection.connect({ address: harnessValue('temporalAddress') });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const nativeConnection = await NativeConnection.connect({ address: harnessValue('temporalAddress') });
  const activitiesByQueue = createActivitiesByQueue({ config, db });

  return {
    config,
    db,
    databaseUrl,
    client,
    nativeConnection,
    activitiesByQueue,
    uniqueQueue: (prefix) => `${prefix}-${randomBytes(4).toString('hex')}`,
    async withWorkers(specs, fn) {
      const workers = await createWorkers({
        connection: nativeConnection,
        namespace: config.temporal.namespace,
        workers: specs,
        workflowSource: { workflowBundle: { codePath: harnessValue('workflowBundle') } },
      });
      const stopped = Promise.all(workers.map((worker) => worker.run()));
      try {
        return await fn(workers);
      } finally {
        for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
        await stopped;
      }
    },
    async close() {
      await nativeConnection.close();
      await connection.close();
      await db.close();
      await dropDatabase(adminUrl, name);
    },
  };
}

/** The SDK logs every worker state change at INFO; tests show WARN and up (TEST_SDK_LOG_LEVEL to change). */
export function quietSdkLogs(): void {
  try {
    Runtime.install({ logger: new DefaultLogger((process.env.TEST_SDK_LOG_LEVEL ?? 'WARN') as LogLevel) });
  } catch {
    // Already installed for this test file.
  }
}
