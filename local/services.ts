import path from 'node:path';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import { redactUrl } from '../lib/secret';
import { describeTemporalSecurity } from '../lib/temporal';
import { LOCAL_BIGQUERY, startBigQueryEmulator } from './bigquery-emulator';
import { readOrCreateSecret } from './dev-secrets';
import { ensureDatabase } from './databases';
import { prepareLocalPostgres, runLocalPostgres } from './postgres';
import { stopOrphans } from './pid-records';
import { assertPortFree } from './processes';
import { createSimulators } from './simulators';
import { CV_DEMO_CREDENTIALS } from './simulators/cv';
import { startSimulatorServer } from './simulators/server';
import { writeDemoCredentials } from './demo-data';
import { startMailInbox } from './mail-inbox';
import { SMS_DEMO_ACCOUNT } from './simulators/sms';
import { startTemporalDevServer } from './temporal-server';
import { ensureTool, findTool } from './tools';
import type { ManagedProcess } from './processes';

/** The application database's name in the embedded PostgreSQL. */
const LOCAL_DATABASE = 'pipelines';

export interface LocalServices {
  /** Environment overrides that point the configuration at what was started here. */
  env: Record<string, string>;
  /** One line per service for the banner. */
  lines: [string, string][];
  devApiKey: string | undefined;
  /**
   * The BigQuery emulator this command runs: `ready` resolves true once it serves (false when the
   * stack stopped first); `later` when it is still being built and the stack did not wait for it.
   */
  emulator?: { ready: Promise<boolean>; later: boolean; endpoint: string };
}

/**
 * Starts, in parallel, whatever the configuration leaves to the local stack. Each started
 * service registers its stop in `stops` as soon as it is up, so a later failure stops it too.
 */
export async function startLocalServices(
  config: Config,
  dataDir: string,
  logger: Logger,
  stops: (() => Promise<unknown>)[],
): Promise<LocalServices> {
  const env: Record<string, string> = {};
  const lines: [string, string][] = [];
  const log = (message: string) => logger.info(message);
  // Whether PostgreSQL can run here at all (as root: a `postgres` user, places it can reach) is
  // known at once: fail before starting anything else.
  if (!config.database.url) prepareLocalPostgres(path.join(dataDir, 'postgres'));
  // A stack killed outright (SIGKILL) may have left its servers on their ports: stop them first.
  await stopOrphans(dataDir, log);

  const postgres = async () => {
    if (config.database.url) return lines.push(['PostgreSQL', `${redactUrl(config.database.url.reveal())} (external)`]);
    await assertPortFree(config.local.postgresPort, 'PostgreSQL', 'LOCAL_POSTGRES_PORT');
    const server = await runLocalPostgres({
      dataDir: path.join(dataDir, 'postgres'),
      port: config.local.postgresPort,
      password: readOrCreateSecret(dataDir, 'postgres-password'),
      onLog: log,
    });
    stops.push(() => server.process.stop());
    await ensureDatabase(server.url('postgres'), LOCAL_DATABASE);
    env.DATABASE_URL = server.url(LOCAL_DATABASE).reveal();
    lines.push(['PostgreSQL', `${redactUrl(env.DATABASE_URL)} (embedded, data in ${server.dataDir})`]);
  };

  const temporal = async () => {
    if (config.temporal.address) {
      const security = describeTemporalSecurity(config);
      const how = security === 'plain' ? 'external' : `external, ${security}`;
      return lines.push(['Temporal', `${config.temporal.address} (${how})`]);
    }
    const { temporalPort: port, temporalUiPort: uiPort } = config.local;
    await assertPortFree(port, 'Temporal', 'LOCAL_TEMPORAL_PORT');
    await assertPortFree(uiPort, 'Temporal UI', 'LOCAL_TEMPORAL_UI_PORT');
    const binary = await ensureTool('temporal', { log });
    const server = await startTemporalDevServer({
      binary,
      dataDir,
      namespace: config.temporal.namespace,
      port,
      uiPort,
    });
    stops.push(() => server.stop());
    env.TEMPORAL_ADDRESS = `127.0.0.1:${port}`;
    env.TEMPORAL_UI_URL = process.env.TEMPORAL_UI_URL ?? `http://localhost:${uiPort}`;
    lines.push(['Temporal', `${env.TEMPORAL_ADDRESS} (dev server, state in ${dataDir}/temporal.db)`]);
  };

  let emulator: LocalServices['emulator'];
  const bigquery = async () => {
    if (config.bigquery.projectId) return lines.push(['BigQuery', `project ${config.bigquery.projectId} (external)`]);
    const port = config.local.bigqueryEmulatorPort;
    const endpoint = `http://127.0.0.1:${port}`;
    const line = `${endpoint} (emulator, project ${LOCAL_BIGQUERY.project})`;
    try {
      await assertPortFree(port, 'BigQuery emulator', 'BIGQUERY_EMULATOR_PORT');
      const binary = findTool('bigquery-emulator');
      const pointEtlAtEmulator = () =>
        Object.assign(env, {
          BIGQUERY_PROJECT_ID: LOCAL_BIGQUERY.project,
          BIGQUERY_DATASET: LOCAL_BIGQUERY.dataset,
          BIGQUERY_API_ENDPOINT: endpoint,
        });
      if (binary) {
        const server = await startBigQueryEmulator(binary, dataDir, port);
        stops.push(() => server.stop());
        pointEtlAtEmulator();
        emulator = { ready: Promise.resolve(true), later: false, endpoint };
        return lines.push(['BigQuery', line]);
      }
      // A first build takes minutes and only the etl family needs the emulator: don't wait for it.
      // Until it serves, the etl activities' calls fail and retry.
      pointEtlAtEmulator();
      let stopped = false;
      let server: ManagedProcess | undefined;
      stops.push(async () => {
        stopped = true;
        await server?.stop();
      });
      const ready = (async () => {
        const built = await ensureTool('bigquery-emulator', { log });
        if (stopped) return false;
        server = await startBigQueryEmulator(built, dataDir, port);
        return true;
      })();
      ready.catch(() => undefined); // reported by whoever awaits it (start.ts)
      emulator = { ready, later: true, endpoint };
      lines.push(['BigQuery', `${line}: being built (first time only); a line will say when it is ready`]);
    } catch (error) {
      // Only the etl family reads BigQuery: the rest of the stack runs without it.
      logger.warn({ err: (error as Error).message }, 'BigQuery emulator unavailable; the etl pipeline will fail');
      lines.push(['BigQuery', `unavailable: ${(error as Error).message.split('\n')[0]}`]);
    }
  };

  const simulators = async () => {
    const upstreams = [
      config.cv.baseUrl,
      config.regulators.dgaBaseUrl,
      config.regulators.smaBaseUrl,
      config.credentialsFile,
      config.notifications.smsGatewayUrl,
    ];
    if (upstreams.every(Boolean)) return;
    const server = await startSimulatorServer(createSimulators({ seed: 1 }), config.local.simulatorsPort);
    stops.push(() => server.close());
    if (!config.cv.baseUrl)
      Object.assign(env, {
        CV_BASE_URL: `${server.url}/cv`,
        CV_USERNAME: CV_DEMO_CREDENTIALS.username,
        CV_PASSWORD: CV_DEMO_CREDENTIALS.password,
      });
    if (!config.regulators.dgaBaseUrl) env.DGA_BASE_URL = `${server.url}/dga`;
    if (!config.regulators.smaBaseUrl) env.SMA_BASE_URL = `${server.url}/sma`;
    // The demo points' provider logins and tokens, against the simulators (mode 600).
    if (!config.credentialsFile) env.CREDENTIALS_FILE = writeDemoCredentials(dataDir, server.url);
    if (!config.notifications.smsGatewayUrl)
      env.SMS_GATEWAY_URL = `${server.url.replace('//', `//${SMS_DEMO_ACCOUNT.sid}:${SMS_DEMO_ACCOUNT.token}@`)}/sms`;
    lines.push(['Simulators', server.url]);
  };

  const mail = async () => {
    if (config.notifications.smtpUrl) return lines.push(['Mail', 'SMTP_URL (external)']);
    const inbox = await startMailInbox(dataDir, {
      web: config.local.maildevWebPort,
      smtp: config.local.maildevSmtpPort,
    });
    stops.push(() => inbox.stop());
    env.SMTP_URL = inbox.smtpUrl;
    lines.push(['Mail inbox', `${inbox.webUrl} (MailDev: alert emails; JSON ${inbox.apiUrl}; SMTP ${inbox.smtpUrl})`]);
  };

  const results = await Promise.allSettled([postgres(), temporal(), bigquery(), simulators(), mail()]);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;

  let devApiKey: string | undefined;
  if (!config.api.keys) {
    devApiKey = readOrCreateSecret(dataDir, 'dev-api-key').reveal();
    env.API_KEYS = `local:operator:${devApiKey}`;
  }
  // The local stack's API stays on loopback unless told otherwise.
  env.API_HOST = process.env.API_HOST ?? '127.0.0.1';
  return { env, lines, devApiKey, emulator };
}
