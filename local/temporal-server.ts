import path from 'node:path';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../lib/search-attributes';
import { startProcess, waitForPort, type ManagedProcess } from './processes';

export const LOCAL_TEMPORAL = { host: '127.0.0.1', port: 7233, uiPort: 8233 } as const;

/**
 * `temporal server start-dev` with its state in a SQLite file under the data directory (so a
 * second start finds every run and schedule again), the Web UI on 8233 and the SPEC's search
 * attributes registered (idempotent on a second start).
 */
export async function startTemporalDevServer(
  binary: string,
  dataDir: string,
  namespace: string,
): Promise<ManagedProcess> {
  const args = [
    'server',
    'start-dev',
    '--ip',
    LOCAL_TEMPORAL.host,
    '--port',
    String(LOCAL_TEMPORAL.port),
    '--ui-port',
    String(LOCAL_TEMPORAL.uiPort),
    '--db-filename',
    path.join(dataDir, 'temporal.db'),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
    ...Object.entries(SEARCH_ATTRIBUTE_DEFINITIONS).flatMap(([name, type]) => [
      '--search-attribute',
      `${name}=${type}`,
    ]),
  ];
  const server = startProcess('temporal', binary, args, path.join(dataDir, 'logs'));
  await waitForPort(LOCAL_TEMPORAL.host, LOCAL_TEMPORAL.port, server);
  await waitForPort(LOCAL_TEMPORAL.host, LOCAL_TEMPORAL.uiPort, server);
  return server;
}
