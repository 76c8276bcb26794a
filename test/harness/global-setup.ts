import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { bundleWorkflowCode } from '@temporalio/worker';
import { migrate } from '../../lib/migrate';
import { ensureSearchAttributes } from '../../lib/temporal';
import { Secret } from '../../lib/secret';
import { dropDatabase, ensureDatabase } from '../../local/databases';
import { runLocalPostgres } from '../../local/postgres';
import { ensureTool } from '../../local/tools';
import { startBigQueryEmulator } from '../../local/bigquery-emulator';
import { DECLARED_SCHEDULES_NAMESPACE, HARNESS_ENV, ISOLATED_NAMESPACE } from './env';
import { freePort } from './ports';
import { startTestTemporal, waitForNamespace } from './temporal-server';
import { withDatabase } from '../../lib/db';

/**
 * Provisions the servers every test file shares: PostgreSQL (embedded, or DATABASE_URL) with a
 * migrated template database, the Temporal dev server (built from source on first use, or
 * TEMPORAL_ADDRESS), and one workflow bundle. A missing tool fails the run; nothing is skipped.
 */
export default async function globalSetup(): Promise<void> {
  const log = (message: string) => process.stderr.write(`[test setup] ${message}\n`);
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'pipelines-test-'));
  // As root, PostgreSQL runs as the unprivileged `postgres` user, which must reach its data dir.
  await chmod(scratch, 0o755);
  // Stopped newest first by the global teardown; the scratch directory goes last.
  const stops: (() => Promise<unknown>)[] = [() => rm(scratch, { recursive: true, force: true })];
  (globalThis as Record<string, unknown>).__PIPELINES_TEST_STOPS__ = stops;

  const temporalBinaryPromise = process.env.TEMPORAL_ADDRESS ? undefined : ensureTool('temporal', { log });
  // The etl tests read the real emulator: one that cannot be built fails the run, like Temporal.
  const emulatorPromise = (async () => {
    const binary = await ensureTool('bigquery-emulator', { log });
    const [port, grpcPort] = [await freePort(), await freePort()];
    const emulator = await startBigQueryEmulator(binary, scratch, port, grpcPort);
    stops.push(() => emulator.stop());
    return `http://127.0.0.1:${port}`;
  })();
  // Settled here so a failure elsewhere never leaves it unhandled; awaited (and thrown) below.
  emulatorPromise.catch(() => undefined);
  const bundle = bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, '..', 'fixtures', 'workflows.ts'),
    logger: { trace() {}, debug() {}, info() {}, warn: log, error: log, log() {} },
  });

  let adminUrl: Secret;
  if (process.env.DATABASE_URL) {
    adminUrl = new Secret(process.env.DATABASE_URL);
  } else {
    const postgres = await runLocalPostgres({
      dataDir: path.join(scratch, 'postgres'),
      port: await freePort(),
      password: new Secret(randomBytes(12).toString('hex')),
      onLog: log,
    });
    // The data may live outside the scratch directory (as root, where `postgres` can reach it).
    stops.push(() => rm(postgres.dataDir, { recursive: true, force: true }));
    stops.push(() => postgres.process.stop());
    adminUrl = postgres.url('postgres');
  }
  const template = `pipelines_template_${process.pid}`;
  await ensureDatabase(adminUrl, template);
  stops.push(() => dropDatabase(adminUrl, template));
  await migrate(withDatabase(adminUrl, template));

  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    // A namespace for the fuzz test: the workflows its hostile requests start (on the real task queues)
    // never reach another test file's workers; and one for the declared schedules (env.ts).
    const temporal = await startTestTemporal((await temporalBinaryPromise)!, path.join(scratch, 'logs'), [
      'default',
      ...TEST_NAMESPACES,
    ]);
    stops.push(() => temporal.server.stop());
    temporalAddress = temporal.address;
  } else for (const namespace of TEST_NAMESPACES) await ensureTestNamespace(temporalAddress, namespace);

  const bundlePath = path.join(scratch, 'workflow-bundle.js');
  await writeFile(bundlePath, (await bundle).code);

  process.env[HARNESS_ENV.adminDatabaseUrl] = adminUrl.reveal();
  process.env[HARNESS_ENV.templateDatabase] = template;
  process.env[HARNESS_ENV.temporalAddress] = temporalAddress;
  process.env[HARNESS_ENV.workflowBundle] = bundlePath;
  process.env[HARNESS_ENV.bigqueryEndpoint] = await emulatorPromise;
}

const TEST_NAMESPACES = [ISOLATED_NAMESPACE, DECLARED_SCHEDULES_NAMESPACE];

/** On a Temporal server this run did not start: one of the tests' own namespaces, with the search attributes. */
async function ensureTestNamespace(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await connection.workflowService.describeNamespace({ namespace }).catch(() =>
      connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs('1 day'),
      }),
    );
    await waitForNamespace(address, namespace);
    await ensureSearchAttributes(new Client({ connection, namespace }));
  } finally {
    await connection.close();
  }
}
