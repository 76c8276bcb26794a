import { BigQuery } from '@google-cloud/bigquery';
import { OAuth2Client } from 'google-auth-library';
import type { Config } from './config';
import { MissingConfigurationError } from './errors';

export interface BigQuerySource {
  client: BigQuery;
  projectId: string;
  dataset: string;
}

/**
 * The BigQuery client of the configuration. With `BIGQUERY_API_ENDPOINT` (the emulator), a fixed
 * bearer token: the emulator accepts any, so no credentials file is needed locally. Otherwise the
 * service account of GOOGLE_APPLICATION_CREDENTIALS, or Application Default Credentials.
 */
export function createBigQuerySource(config: Config['bigquery']): BigQuerySource {
  if (!config.projectId) throw new MissingConfigurationError('BIGQUERY_PROJECT_ID is not set');
  if (!config.dataset) throw new MissingConfigurationError('BIGQUERY_DATASET is not set');
  // Retries are Temporal's (with backoff, heartbeats and the extract's checkpoint), not the
  // library's: its own retry timers outlive a cancelled or finished activity and fire into nothing.
  const retryOptions = { autoRetry: false };
  let client: BigQuery;
  if (config.apiEndpoint) {
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: 'emulator' });
    client = new BigQuery({ projectId: config.projectId, apiEndpoint: config.apiEndpoint, authClient, retryOptions });
  } else {
    client = new BigQuery({ projectId: config.projectId, keyFilename: config.credentialsFile, retryOptions });
  }
  return { client, projectId: config.projectId, dataset: config.dataset };
}

/** A `404` from the API: the job, its results or the table are gone. */
export function isNotFound(error: unknown): boolean {
  return (error as { code?: unknown }).code === 404;
}
