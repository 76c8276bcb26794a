import { BANDS } from '../../lib/cv/bands';
import { windowStart } from '../../lib/cv/analytics';
import { CV_REFRESH_WORKFLOW_ID } from '../../api/cv/routes';
import { TEST_KEYS } from '../harness/context';
import { eventually, startTestApi, type TestApi } from '../api/api-client';
import { createCvTestContext, expectedSnapshot, type CvTestContext } from './harness';

let ctx: CvTestContext;
let api: TestApi;
beforeAll(async () => {
  ctx = await createCvTestContext({ volume: 1_500, invalidRate: 0.02, seed: 3 });
  api = await startTestApi(ctx);
});
afterAll(async () => {
  await api?.close();
  await ctx?.close();
});

describe('the CV API', () => {
  it('refreshes, then shows a positive watermark, counts, rejects and the OTT analytics in the seed structure', async () => {
    // The refresh runs on the family's own task queue, `cv`.
    await ctx.withWorkers([{ taskQueue: 'cv', activities: ctx.activitiesByQueue.cv }], async () => {
      const accepted = await api.post('/api/v1/cv/refresh');
      expect(accepted.status).toBe(202);
      expect(accepted.json).toMatchObject({
        workflowId: CV_REFRESH_WORKFLOW_ID,
        statusUrl: `/api/v1/runs/${encodeURIComponent(CV_REFRESH_WORKFLOW_ID)}`,
      });
      await ctx.client.workflow.getHandle(CV_REFRESH_WORKFLOW_ID, accepted.json.runId).result();
    });
    const expected = expectedSnapshot(ctx.sim);

    const status = await api.get('/api/v1/cv/status', TEST_KEYS.viewer);
    expect(status.status).toBe(200);
    expect(status.json.ingest).toMatchObject({
      highWatermark: Math.max(...expected.validRecordIds),
      loadInProgress: null,
      eventsStored: expected.validRecordIds.length,
      eventsRejected: expected.invalidRaws.length,
    });
    expect(status.json.merges).toHaveLength(6);
    for (const merge of status.json.merges) expect(merge.watermark).toBe(status.json.ingest.highWatermark);
    expect(status.json.ottRollups.days).toBeGreaterThan(0);
    await eventually(async () => {
      const again = await api.get('/api/v1/cv/status', TEST_KEYS.viewer);
      return (
        again.json.lastRuns.some((run: { workflowId: string }) => run.workflowId === CV_REFRESH_WORKFLOW_ID) ||
        undefined
      );
    });

    const rejects = await api.get('/api/v1/cv/rejects?limit=5', TEST_KEYS.viewer);
    expect(rejects.status).toBe(200);
    expect(rejects.json.items).toHaveLength(5);
    for (const reject of rejects.json.items) {
      expect(expected.invalidRaws).toContain(reject.raw);
      expect(reject.reason).toMatch(/\w+: /);
    }

    const all = await api.get('/api/v1/cv/analytics/ott?days=0', TEST_KEYS.viewer);
    expect(all.status).toBe(200);
    expect(Object.keys(all.json).sort()).toEqual(['events', 'graphs', 'totals']);
    for (const band of BANDS) {
      expect(all.json.totals).toHaveProperty(`franjahorariaeventott${band.toLowerCase()}`);
      expect(all.json.totals).toHaveProperty(`countchannels${band.toLowerCase()}`);
      expect(JSON.parse(all.json.graphs[`graphott${band}`].graph)).toHaveProperty('layout');
    }
    // The totals equal the merged OTT events, read from the rollups.
    const { rows } = await ctx.db.query<{ hours: number; n: bigint }>(
      'SELECT coalesce(sum(duration), 0) / 3600.0 AS hours, count(*) AS n FROM cv_merged_ott',
    );
    expect(all.json.totals.totaldurationott.totalEvents).toBe(Number(rows[0]!.n));
    expect(all.json.totals.totaldurationott.totalHours).toBeCloseTo(rows[0]!.hours, 2);
    const sumCounts = Object.values(all.json.events.listCountEventOTT as Record<string, number>).reduce(
      (a, b) => a + b,
      0,
    );
    expect(sumCounts).toBe(Number(rows[0]!.n));

    // The simulator's events end this hour: the last two local days hold some of them, not all.
    const from = windowStart(2, new Date(), ctx.config.timeZone);
    const { rows: recentRows } = await ctx.db.query<{ n: bigint }>(
      'SELECT count(*) AS n FROM cv_merged_ott WHERE data_date >= $1::date',
      [from],
    );
    const recent = await api.get('/api/v1/cv/analytics/ott?days=2', TEST_KEYS.viewer);
    expect(recent.status).toBe(200);
    expect(recent.json.totals.totaldurationott.totalEvents).toBe(Number(recentRows[0]!.n));
    expect(Number(recentRows[0]!.n)).toBeGreaterThan(0);
    expect(Number(recentRows[0]!.n)).toBeLessThan(Number(rows[0]!.n));
  });

  it('validates parameters and roles', async () => {
    expect((await api.get('/api/v1/cv/analytics/ott?days=abc', TEST_KEYS.viewer)).status).toBe(400);
    // Integers are plain decimals: no hex, exponent, sign, padding or fraction, and never empty.
    for (const days of ['1e2', '0x10', '+5', '%205', '5.0', '']) {
      const response = await api.get(`/api/v1/cv/analytics/ott?days=${days}`, TEST_KEYS.viewer);
      expect(response.status).toBe(400);
      expect(response.json.errors).toEqual([expect.objectContaining({ field: 'query.days' })]);
    }
    expect((await api.get('/api/v1/cv/analytics/ott?days=-3', TEST_KEYS.viewer)).status).toBe(200);
    expect((await api.get('/api/v1/cv/rejects?limit=0x10', TEST_KEYS.viewer)).status).toBe(400);
    expect((await api.get('/api/v1/cv/analytics/ott?dias=3', TEST_KEYS.viewer)).status).toBe(400);
    expect((await api.get('/api/v1/cv/rejects?limit=0', TEST_KEYS.viewer)).status).toBe(400);
    expect((await api.get('/api/v1/cv/status', null)).status).toBe(401);
    expect((await api.post('/api/v1/cv/refresh', undefined, TEST_KEYS.viewer)).status).toBe(403);
    const openapi = await api.get('/openapi.json', null);
    expect(Object.keys(openapi.json.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/cv/refresh',
        '/api/v1/cv/status',
        '/api/v1/cv/rejects',
        '/api/v1/cv/analytics/ott',
      ]),
    );
  });
});
