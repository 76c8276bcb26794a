import { readFileSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { loadConfig, type Config } from '../../lib/config';
import { connectClient, connectWorkerConnection, temporalConnectionOptions } from '../../lib/temporal';
import { createWorkers, runWorkers } from '../../workers/create-workers';
import { createTestContext, type TestContext } from '../harness/context';
import { harnessValue } from '../harness/env';
import { makeTestPki, type TestPki } from '../harness/pki';
import { startMtlsProxy, type MtlsProxy } from '../harness/tls-proxy';

/**
 * The real connections (`connectClient`, `connectWorkerConnection`) to an mTLS "cluster": the
 * harness's dev server behind a TLS proxy that requires a client certificate from the test's CA.
 */

let pki: TestPki;
let proxy: MtlsProxy;
let ctx: TestContext;
beforeAll(async () => {
  pki = makeTestPki();
  ctx = await createTestContext();
  proxy = await startMtlsProxy(pki, harnessValue('temporalAddress'));
});
afterAll(async () => {
  await proxy?.close();
  await ctx?.close();
  if (pki) rmSync(pki.dir, { recursive: true, force: true });
});

function mtlsConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    TEMPORAL_ADDRESS: proxy.address,
    TEMPORAL_TLS_CERT: pki.clientCert,
    TEMPORAL_TLS_KEY: pki.clientKey,
    TEMPORAL_TLS_CA: pki.caCert,
    TEMPORAL_TLS_SERVER_NAME: pki.serverName,
    ...overrides,
  });
}

describe('Temporal over mTLS', () => {
  it('connectClient starts, completes and lists a run that a worker on connectWorkerConnection executes', async () => {
    const config = mtlsConfig();
    const client = await connectClient(config);
    const connection = await connectWorkerConnection(config);
    try {
      const taskQueue = ctx.uniqueQueue('platform-tls');
      const workflowId = `platform-canary-tls-${taskQueue}`;
      const workers = await createWorkers({
        connection,
        namespace: config.temporal.namespace,
        workers: [{ taskQueue, activities: ctx.activitiesByQueue.platform }],
        workflowSource: { workflowBundle: { codePath: harnessValue('workflowBundle') } },
      });
      const running = runWorkers(workers);
      try {
        const handle = await client.workflow.start('platformCanary', {
          taskQueue,
          workflowId,
          args: [{ timeZone: 'America/Santiago' }],
          workflowExecutionTimeout: '2 minutes', // a bound for a stuck run, not a speed
        });
        await expect(handle.result()).resolves.toMatchObject({ recorded: true });
      } finally {
        for (const worker of workers) worker.shutdown();
        await running;
      }
      // The worker's activity really ran: its row is in PostgreSQL.
      const { rows } = await ctx.db.query('SELECT count(*) AS n FROM platform_canary WHERE workflow_id = $1', [
        workflowId,
      ]);
      expect(rows[0]?.n).toBe(1n);
      expect(await listedStatus(config, workflowId)).toBe('COMPLETED');
      // Both connections went through the proxy, each with the client certificate.
      expect(proxy.acceptedClients.length).toBeGreaterThanOrEqual(2);
      expect(new Set(proxy.acceptedClients)).toEqual(new Set(['pipelines-worker']));
    } finally {
      await connection.close();
      await client.connection.close();
    }
  });

  it("refuses a client without the certificate, with a stranger's, or checking the wrong server", async () => {
    const forwardedBefore = proxy.acceptedClients.length;
    const scenarios: { overrides: Record<string, string>; worker: RegExp }[] = [
      // The proxy ends the handshake: no certificate, or one that another CA signed.
      { overrides: { TEMPORAL_TLS_CERT: '', TEMPORAL_TLS_KEY: '' }, worker: /transport error/ },
      {
        overrides: { TEMPORAL_TLS_CERT: pki.strangerCert, TEMPORAL_TLS_KEY: pki.strangerKey },
        worker: /transport error/,
      },
      // The client ends it: the server's certificate is for another name, or from a CA it does not trust.
      { overrides: { TEMPORAL_TLS_SERVER_NAME: 'elsewhere.test' }, worker: /NotValidForName/ },
      { overrides: { TEMPORAL_TLS_CA: '' }, worker: /UnknownIssuer/ },
    ];
    // Concurrently: the client retries the handshake until its 10 s connect deadline, each one.
    await Promise.all(
      scenarios.map(async ({ overrides, worker }) => {
        const config = mtlsConfig(overrides);
        await expect(connectWorkerConnection(config)).rejects.toThrow(worker);
        await expect(connectClient(config)).rejects.toThrow(/Failed to connect before the deadline/);
      }),
    );
    expect(proxy.acceptedClients.length).toBe(forwardedBefore);
    expect(proxy.refusedHandshakes()).toBeGreaterThan(0);
  });
});

/** The run as the client's listing shows it (visibility may trail the run's completion briefly). */
async function listedStatus(config: Config, workflowId: string): Promise<string | undefined> {
  const client = await connectClient(config);
  try {
    // Bounded, not timed: a loaded machine may take many seconds to list it.
    for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
      for await (const run of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
        if (run.status.name === 'COMPLETED') return run.status.name;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return undefined;
  } finally {
    await client.connection.close();
  }
}

interface RecordedCall {
  path: string;
  authorization: string | undefined;
  namespace: string | undefined;
}

/**
 * A TLS h2 server that answers every gRPC call with an empty message (a valid reply to the
 * connection's `GetSystemInfo` and to a listing) and records each call's headers, which the
 * mTLS proxy cannot see inside the encrypted stream.
 */
async function startRecordingServer(pki: TestPki) {
  const calls: RecordedCall[] = [];
  const server = http2.createSecureServer({
    cert: readFileSync(pki.serverCert),
    key: readFileSync(pki.serverKey),
    ALPNProtocols: ['h2'],
  });
  let tlsAttempts = 0;
  server.on('secureConnection', () => tlsAttempts++);
  server.on('tlsClientError', () => tlsAttempts++);
  server.on('stream', (stream, headers) => {
    calls.push({
      path: String(headers[':path']),
      authorization: headers.authorization as string | undefined,
      namespace: headers['temporal-namespace'] as string | undefined,
    });
    stream.on('error', () => undefined);
    stream.resume();
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      // One gRPC frame: not compressed, zero bytes long (an empty protobuf message).
      stream.end(Buffer.alloc(5));
    });
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    tlsAttempts: () => tlsAttempts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('Temporal Cloud API key', () => {
  const apiKey = 'tcloud-api-key-0123456789abcdef';

  it('is sent on every call as a bearer token, with the namespace, by the client and the worker connection', async () => {
    const server = await startRecordingServer(pki);
    try {
      const env = {
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_NAMESPACE: 'pipelines.a1b2c',
        TEMPORAL_API_KEY: apiKey,
        // The test server's certificate is from the test CA, not a public one as Temporal Cloud's is.
        TEMPORAL_TLS_CA: pki.caCert,
        TEMPORAL_TLS_SERVER_NAME: pki.serverName,
      };
      const config = loadConfig(env);
      const client = await connectClient(config);
      try {
        for await (const run of client.workflow.list()) throw new Error(`unexpected run ${run.workflowId}`);
      } finally {
        await client.connection.close();
      }
      const connection = await connectWorkerConnection(config);
      await connection.close();
      // Without the test CA, the same configuration fails on the server's certificate: it spoke TLS.
      const { TEMPORAL_TLS_CA: _ca, TEMPORAL_TLS_SERVER_NAME: _name, ...cloudLike } = env;
      await expect(connectWorkerConnection(loadConfig(cloudLike))).rejects.toThrow(/UnknownIssuer/);

      const paths = server.calls.map((call) => call.path);
      expect(paths).toContain('/temporal.api.workflowservice.v1.WorkflowService/ListWorkflowExecutions');
      expect(paths.filter((path) => path.endsWith('/GetSystemInfo')).length).toBeGreaterThanOrEqual(2);
      for (const call of server.calls) {
        expect(call).toEqual({ path: call.path, authorization: `Bearer ${apiKey}`, namespace: 'pipelines.a1b2c' });
      }
    } finally {
      await server.close();
    }
  });

  it('alone turns TLS on (Temporal Cloud: public certificates, no client certificate)', async () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: 'pipelines.a1b2c.tmprl.cloud:7233', TEMPORAL_API_KEY: apiKey });
    expect(temporalConnectionOptions(config)).toEqual({
      address: 'pipelines.a1b2c.tmprl.cloud:7233',
      tls: {},
      apiKey,
      metadata: { 'temporal-namespace': 'default' },
    });
    // And a plain connection is what a configuration without any of them gets.
    expect(temporalConnectionOptions(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233' }))).toEqual({
      address: 'temporal:7233',
    });
  });
});
