import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from './config';
import type { Logger } from './logger';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from './search-attributes';
import { temporal } from '@temporalio/proto';

/** The address the local stack's dev server listens on when TEMPORAL_ADDRESS is unset. */
export const LOCAL_TEMPORAL_ADDRESS = '127.0.0.1:7233';

export function temporalAddress(config: Config): string {
  return config.temporal.address ?? LOCAL_TEMPORAL_ADDRESS;
}

/** What both the client's and the worker's connections take; `apiKey` is the raw key, so never log this. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
  metadata?: Record<string, string>;
}

/**
 * The SDK's connection options for this configuration (pure, so a test sees exactly what is sent).
 * Every process that connects (API, workers, scripts, the local stack) goes through here.
 */
export function temporalConnectionOptions(config: Config): TemporalConnectionOptions {
  const { tls, apiKey, namespace } = config.temporal;
  const options: TemporalConnectionOptions = { address: temporalAddress(config) };
  if (tls) {
    options.tls = {
      ...(tls.client && {
        clientCertPair: { crt: Buffer.from(tls.client.cert), key: Buffer.from(tls.client.key.reveal()) },
      }),
      ...(tls.ca && { serverRootCACertificate: Buffer.from(tls.ca.pem) }),
      ...(tls.serverName && { serverNameOverride: tls.serverName }),
    };
  }
  if (apiKey) {
    // The SDK sends it as `authorization: Bearer …`. Temporal Cloud's API-key examples also name
    // the namespace in this header (it routes on it); servers that do not need it ignore it.
    options.apiKey = apiKey.reveal();
    options.metadata = { 'temporal-namespace': namespace };
  }
  return options;
}

export async function connectClient(config: Config): Promise<Client> {
  const connection = await Connection.connect(temporalConnectionOptions(config));
  return new Client({ connection, namespace: config.temporal.namespace });
}

export function connectWorkerConnection(config: Config): Promise<NativeConnection> {
  return NativeConnection.connect(temporalConnectionOptions(config));
}

/** How the connection is secured, for banners and log lines (no secret in it). */
export function describeTemporalSecurity(config: Config): string {
  const { tls, apiKey } = config.temporal;
  if (!tls) return 'plain';
  return [tls.client ? 'mTLS' : 'TLS', apiKey && 'API key'].filter(Boolean).join(', ');
}

/**
 * Registers the search attributes every run carries (lib/search-attributes.ts) where they are missing. The local dev server gets them
 * on its command line; on a cluster that refuses (no operator permission), they are created by
 * hand (README), so a failure here is a warning, not a failure.
 */
export async function ensureSearchAttributes(client: Client, logger?: Logger): Promise<void> {
  const { operatorService } = client.connection;
  const namespace = client.options.namespace;
  try {
    const existing = await operatorService.listSearchAttributes({ namespace });
    const missing = Object.keys(SEARCH_ATTRIBUTE_DEFINITIONS).filter((name) => !(name in existing.customAttributes));
    if (missing.length === 0) return;
    await operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((name) => [name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
      ),
    });
    logger?.info({ searchAttributes: missing }, 'search attributes registered');
  } catch (error) {
    logger?.warn(
      { err: (error as Error).message },
      'could not register search attributes; create them by hand (README)',
    );
  }
}

export function workflowUiUrl(config: Config, workflowId: string, runId?: string): string {
  const base = `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}` : base;
}

export function scheduleUiUrl(config: Config, scheduleId: string): string {
  return `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/schedules/${encodeURIComponent(scheduleId)}`;
}
