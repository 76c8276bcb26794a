import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../../lib/search-attributes';
import { startProcess, waitForPort, type ManagedProcess } from '../../local/processes';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../../local/temporal-server';
import { freePort } from './ports';

/** How long a start may take on a loaded machine: a bound, not an expectation. */
const START_BOUND_MS = 180_000;

/**
 * The tests' Temporal dev server (in memory, headless), started by us rather than by the SDK's
 * `TestWorkflowEnvironment.createLocal`, which kills a server that does not answer within 5 s: a
 * loaded 2-core machine can miss that every time. Ready means its namespaces answer reads.
 */
export async function startTestTemporal(
  binary: string,
  logDir: string,
  namespaces: string[],
): Promise<{ address: string; server: ManagedProcess }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const server = startProcess(
      'temporal',
      binary,
      [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--headless',
        '--log-format',
        'json',
        '--log-level',
        'error',
        ...DEV_SERVER_DYNAMIC_CONFIG,
        // As the SDK's test server has them: no call home, workflow updates on.
        '--dynamic-config-value',
        'frontend.enableServerVersionCheck=false',
        '--dynamic-config-value',
        'frontend.enableUpdateWorkflowExecution=true',
        '--dynamic-config-value',
        'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
        ...namespaces.flatMap((namespace) => ['--namespace', namespace]),
        ...Object.entries(SEARCH_ATTRIBUTE_DEFINITIONS).flatMap(([name, type]) => [
          '--search-attribute',
          `${name}=${type}`,
        ]),
      ],
      logDir,
    );
    let exited = false;
    void server.exited.then(() => (exited = true));
    try {
      await waitForPort('127.0.0.1', port, server, START_BOUND_MS);
    } catch (error) {
      await server.stop();
      // Another process may have taken the free port before the server bound it: once more, on another.
      if (exited && attempt < 2) continue;
      throw error;
    }
    const address = `127.0.0.1:${port}`;
    try {
      for (const namespace of namespaces) await waitForNamespace(address, namespace);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return { address, server };
  }
}

/** Waits until a read in `namespace` reaches its history (a new namespace reaches the frontend's cache late). */
export async function waitForNamespace(address: string, namespace: string, timeoutMs = START_BOUND_MS) {
  // Lazy: a frontend that is not serving yet is one more failed probe, not a failed connect.
  const connection = Connection.lazy({ address });
  try {
    const client = new Client({ connection, namespace });
    for (let deadline = Date.now() + timeoutMs; ; await sleep(500)) {
      const error = await client.workflow
        .getHandle('namespace-probe')
        .describe()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      if (error instanceof WorkflowNotFoundError) return;
      if (Date.now() > deadline) throw new Error(`namespace ${namespace} is not usable: ${String(error)}`);
    }
  } finally {
    await connection.close();
  }
}
