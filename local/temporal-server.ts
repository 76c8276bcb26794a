import path from 'node:path';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../lib/search-attributes';
import { startProcess, waitForPort, type ManagedProcess } from './processes';

/**
 * Dynamic configuration of every dev server we start (the local stack, tests, benchmarks).
 * Temporal's timer queue may fire a timer up to `history.timerProcessorMaxTimeShift` late (1 s by
 * default): at the DGA's 5-minute spacing that is nothing, at the 1-second spacing of the tests
 * and `bench:compliance` it would be half the wait. A cluster sets its own.
 */
export const DEV_SERVER_DYNAMIC_CONFIG = ['--dynamic-config-value', 'history.timerProcessorMaxTimeShift="50ms"'];

export interface DevServerOptions {
  binary: string;
  dataDir: string;
  namespace: string;
  port: number;
  uiPort: number;
}

/**
 * `temporal server start-dev` with its state in a SQLite file under the data directory (so a
 * second start finds every run and schedule again), the Web UI (8233 by default) and the runs' search
 * attributes registered (idempotent on a second start).
 */
export async function startTemporalDevServer(options: DevServerOptions): Promise<ManagedProcess> {
  const { binary, dataDir, namespace, port, uiPort } = options;
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--db-filename',
    path.join(dataDir, 'temporal.db'),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
    ...DEV_SERVER_DYNAMIC_CONFIG,
    ...Object.entries(SEARCH_ATTRIBUTE_DEFINITIONS).flatMap(([name, type]) => [
      '--search-attribute',
      `${name}=${type}`,
    ]),
  ];
  const server = startProcess('temporal', binary, args, path.join(dataDir, 'logs'));
  await waitForPort('127.0.0.1', port, server);
  await waitForPort('127.0.0.1', uiPort, server);
  return server;
}
