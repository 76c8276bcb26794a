import { Client, Connection } from '@temporalio/client';
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

export async function connectClient(config: Config): Promise<Client> {
  const connection = await Connection.connect({ address: temporalAddress(config) });
  return new Client({ connection, namespace: config.temporal.namespace });
}

export function connectWorkerConnection(config: Config): Promise<NativeConnection> {
  return NativeConnection.connect({ address: temporalAddress(config) });
}

/**
 * Registers the SPEC's search attributes where they are missing. The local dev server gets them
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
