import { flagInconsistentFlowHours } from '../../data/telemetry';
import { startTestApi, type TestApi } from '../api/api-client';
import {
  activeFromFor,
  createComplianceTestContext,
  H,
  insertDgaConfig,
  insertPoint,
  ledger,
  nextWork,
  startComplianceWorker,
  startConfig,
  waitFor,
  withData,
  type ComplianceFileWorker,
  type ComplianceTestContext,
} from './harness';

/**
 * A flow that telemetry flagged FLOW_TOTAL_CONSISTENCY (flow and total disagree that hour: m³/h reported
 * as l/s) is never sent to the DGA as good: the slot waits with the reason until the operator acts
 * (here, accepts the hours through the API), then it is sent once. Real Temporal, PostgreSQL, the DGA
 * simulator and the API; dates derive from now.
 */
let ctx: ComplianceTestContext;
let api: TestApi;
let worker: ComplianceFileWorker | undefined;
let taskQueue: string;

beforeAll(async () => {
  ctx = await createComplianceTestContext();
  api = await startTestApi(ctx);
  // Slots waiting for data are looked at again every 2 s (15 min by default).
  worker = startComplianceWorker(ctx, { dataRecheckMs: 2_000 });
  taskQueue = worker.taskQueue;
}, 120_000);
afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await ctx?.close();
});

const hourFloor = (t: number) => Math.floor(t / H) * H;

it('a slot whose flow is flagged FLOW_TOTAL_CONSISTENCY waits with the reason and is sent once accepted', async () => {
  const now = Date.now();
  const since = new Date(hourFloor(now) - 2 * H);
  const work = nextWork();
  await insertPoint(ctx, 'FLAGGED', new Date(since.getTime() - 5 * 60_000), new Date(now));
  // Telemetry's store flags the flows of the hours that disagreed (the hour before each slot's too).
  const hours = [-1, 0, 1, 2].map((h) => new Date(since.getTime() + h * H).toISOString());
  const flagged = await ctx.db.withTransaction((client) => flagInconsistentFlowHours(client, 'FLAGGED', hours));
  expect(flagged).toBeGreaterThan(0);

  const id = await insertDgaConfig(ctx, 'FLAGGED', work, { activeFrom: activeFromFor(since) });
  await startConfig(ctx, id, taskQueue);
  await waitFor('the slots waiting on the flagged flow', async () => {
    const rows = withData(await ledger(ctx, id), since, new Date(now));
    // (The newest slot may still wait for its measurements within 10 minutes of its time.)
    const settled = rows.filter((r) => Date.parse(r.slot) < now - 15 * 60_000);
    return (
      settled.length >= 2 &&
      rows.every((r) => r.status === 'PENDING') &&
      settled.every((r) => /flow at .* is flagged FLOW_TOTAL_CONSISTENCY/.test(r.reason ?? ''))
    );
  });
  expect(ctx.dga.requests().filter((r) => r.codigoObra === work)).toEqual([]);

  // The operator checked the meter and accepts those hours.
  const accepted = await api.post('/api/v1/telemetry/points/FLAGGED/flow-consistency/accept', {
    from: new Date(since.getTime() - H).toISOString(),
    to: new Date(now + H).toISOString(),
  });
  expect(accepted.status).toBe(200);
  expect(accepted.json).toEqual({ code: 'FLAGGED', accepted: flagged });

  const rows = await waitFor('the slots sent', async () => {
    const all = withData(await ledger(ctx, id), since, new Date(now));
    return all.length === 3 && all.every((r) => r.status === 'CONFIRMED') && all;
  });
  expect(rows.map((r) => r.attempts)).toEqual([1, 1, 1]);
  expect(ctx.dga.records().filter((r) => r.codigoObra === work)).toHaveLength(3);
  expect(ctx.dga.violations()).toEqual([]);
}, 120_000);
