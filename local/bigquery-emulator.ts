import path from 'node:path';
import { startProcess, waitForPort, type ManagedProcess } from './processes';

export const LOCAL_BIGQUERY = { project: 'local-project', dataset: 'pipelines' } as const;

/**
 * goccy/bigquery-emulator with its tables in a file under the data directory. Demo data is
 * the ETL family's to seed (through the BigQuery API, like production writers would).
 */
export async function startBigQueryEmulator(
  binary: string,
  dataDir: string,
  port: number,
  grpcPort = port + 10,
): Promise<ManagedProcess> {
  const emulator = startProcess(
    'bigquery-emulator',
    binary,
    [
      `--project=${LOCAL_BIGQUERY.project}`,
      `--dataset=${LOCAL_BIGQUERY.dataset}`,
      '--host=127.0.0.1',
      `--port=${port}`,
      // gRPC (storage API) next to the REST port, so two stacks on one machine don't collide.
      `--grpc-port=${grpcPort}`,
      `--database=${path.join(dataDir, 'bigquery.db')}`,
      '--log-level=warn',
    ],
    path.join(dataDir, 'logs'),
  );
  await waitForPort('127.0.0.1', port, emulator, 60_000);
  return emulator;
}
