import { createServer, type Server, type Socket } from 'node:net';
import { startTestApi, type TestApi } from '../api/api-client';
import { createTestContext, TEST_KEYS, type TestContext } from '../harness/context';

/**
 * `/api/v1/etl/health` once judged BigQuery unreachable when one probe took over 5 s on a
 * busy machine. Here BigQuery is an endpoint that accepts connections and never answers (a probe
 * that always runs out of time): with no evidence it is unreachable after a second probe; with a
 * successful BigQuery call a minute ago (an ETL run that finished) it is reachable, the slow probe
 * reported beside it.
 */
let ctx: TestContext;
let api: TestApi;
let silent: Server;
const sockets = new Set<Socket>();

beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as { port: number };
  ctx = await createTestContext({
    BIGQUERY_PROJECT_ID: 'local-project',
    BIGQUERY_DATASET: 'silent',
    BIGQUERY_API_ENDPOINT: `http://127.0.0.1:${port}`,
  });
  api = await startTestApi(ctx);
});
afterAll(async () => {
  await api?.close();
  for (const socket of sockets) socket.destroy();
  silent?.close();
  await ctx?.close();
});

describe('GET /api/v1/etl/health with a BigQuery that does not answer in time', () => {
  it('is unreachable with no recent success, after a second probe', async () => {
    const health = await api.get('/api/v1/etl/health', TEST_KEYS.viewer);
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({
      status: 'degraded',
      bigquery: { reachable: false, evidence: 'none', lastSuccessAt: null, probeAttempts: 2 },
    });
    expect(health.json.bigquery.error).toMatch(/no answer within 5 s/);
  }, 60_000);

  it('is reachable when an ETL run talked to it successfully a minute ago', async () => {
    const { rows } = await ctx.db.query<{ finished_at: Date }>(
      `INSERT INTO etl_execution_log (run_id, started_at, workflow_id, table_name, mode, status, finished_at)
       VALUES ('health-evidence', now() - interval '2 minutes', 'etl-table/dashboard_data/incremental/x',
               'dashboard_data', 'incremental', 'succeeded', now() - interval '1 minute')
       RETURNING finished_at`,
    );
    const health = await api.get('/api/v1/etl/health', TEST_KEYS.viewer);
    expect(health.json).toMatchObject({
      status: 'ok',
      bigquery: {
        reachable: true,
        evidence: 'recent-activity',
        lastSuccessAt: rows[0]!.finished_at.toISOString(),
        probeAttempts: 1,
        error: expect.stringMatching(/no answer within 5 s/),
      },
    });

    // An hour old, the same run is no longer evidence.
    await ctx.db.query(
      `UPDATE etl_execution_log SET finished_at = now() - interval '1 hour' WHERE run_id = 'health-evidence'`,
    );
    const stale = await api.get('/api/v1/etl/health', TEST_KEYS.viewer);
    expect(stale.json).toMatchObject({ status: 'degraded', bigquery: { reachable: false, probeAttempts: 2 } });
  }, 60_000);
});
