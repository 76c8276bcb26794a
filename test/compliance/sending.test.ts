import { ensureComplianceSender } from '../../platform/compliance-sender';
import { PIPELINE } from '../../lib/search-attributes';
import { senderStateQuery, senderWorkflowId } from '../../lib/compliance/sender-contract';
import { setTimeout as sleep } from 'node:timers/promises';
import { recordHistory } from '../harness/histories';
import {
  activeFromFor,
  createComplianceTestContext,
  H,
  insertDgaConfig,
  insertMeasurements,
  insertPoint,
  ledger,
  nextWork,
  startComplianceWorker,
  startConfig,
  stopSender,
  waitFor,
  withData,
  workState,
  type ComplianceFileWorker,
  type ComplianceTestContext,
} from './harness';

/**
 * The sending path end to end: real Temporal, PostgreSQL and the DGA simulator over HTTP, with a
 * 1-second spacing and a 5-second "day". Dates derive from now.
 */
let ctx: ComplianceTestContext;
let worker: ComplianceFileWorker;
let taskQueue: string;

beforeAll(async () => {
  ctx = await createComplianceTestContext();
  // Slots waiting for data are looked at again every 2 s (15 min by default).
  worker = startComplianceWorker(ctx, { dataRecheckMs: 2_000 });
  taskQueue = worker.taskQueue;
}, 120_000);
afterAll(async () => {
  await worker.stop();
  await ctx.close();
});

const hourFloor = (t: number) => Math.floor(t / H) * H;

async function startDga(point: string, work: string, since: Date) {
  const id = await insertDgaConfig(ctx, point, work, { activeFrom: activeFromFor(since) });
  // One sender run for the day of slots below: its query totals only the current run's sends.
  await startConfig(ctx, id, taskQueue, { maxHistoryEvents: 10_000 });
  return id;
}

/** Every slot since `since` accepted: one record at the DGA each, the ledger's receipt equal to it. */
async function expectAcceptedOnce(id: string, work: string, since: Date, expected: number, until = new Date()) {
  const rows = await waitFor(`config ${id} confirmed`, async () => {
    const all = withData(await ledger(ctx, id), since, until);
    return all.length >= expected && all.every((r) => r.status === 'CONFIRMED') && all;
  });
  const records = ctx.dga.records().filter((r) => r.codigoObra === work);
  expect(records).toHaveLength(rows.length);
  const receipts = new Map(records.map((r) => [`${r.fechaMedicion}T${r.horaMedicion}-04:00`, r.numeroComprobante]));
  for (const row of rows) {
    const local = new Date(Date.parse(row.slot) - 4 * H).toISOString().slice(0, 19);
    expect(row).toMatchObject({ attempts: 1, receipt: receipts.get(`${local}-04:00`) });
  }
  const requests = ctx.dga.requests().filter((r) => r.codigoObra === work);
  expect(requests.map((r) => r.outcome)).toEqual(rows.map(() => 'accepted'));
  return { rows, requests };
}

describe('the compliance sending path', () => {
  it('a day of hourly slots for 3 works: every slot CONFIRMED once, receipts equal to the simulator’s', async () => {
    const now = Date.now();
    const since = new Date(hourFloor(now) - 23 * H);
    const works = [nextWork(), nextWork(), nextWork()];
    const ids: string[] = [];
    for (const [i, work] of works.entries()) {
      await insertPoint(ctx, `DAY-${i}`, new Date(since.getTime() - 5 * 60_000), new Date(now));
      ids.push(await startDga(`DAY-${i}`, work, since));
    }
    for (const [i, id] of ids.entries()) await expectAcceptedOnce(id, works[i]!, since, 24, new Date(now));
    expect(ctx.dga.violations()).toEqual([]);
    // Slots before the data began wait, with their reason.
    const early = (await ledger(ctx, ids[0]!)).filter((r) => Date.parse(r.slot) < since.getTime());
    for (const row of early) expect(row).toMatchObject({ status: 'PENDING', reason: expect.stringMatching(/^no /) });
    // The work's row says where it stands; the sender's query counts what it sent.
    expect(['waiting-data', 'waiting-spacing', 'idle']).toContain((await workState(ctx, ids[0]!)).state);
    const sender = await ctx.client.workflow.getHandle(senderWorkflowId(taskQueue)).query(senderStateQuery);
    expect(sender.sends['ACCEPTED+CONFIRMED']).toBeGreaterThanOrEqual(3 * 24);
    expect(sender.failures).toBe(0);
  }, 180_000);

  it('the other kinds of work and the daily MEDIO standard, in the formats the DGA checks', async () => {
    const now = Date.now();
    const since = new Date(hourFloor(now) - 23 * H);
    const cases = [
      { point: 'KIND-F', standard: 'MAYOR', kind: 'SUPERFICIAL_FLUJOMETRO', hours: 3 },
      { point: 'KIND-S', standard: 'MAYOR', kind: 'SUPERFICIAL', hours: 3 },
      { point: 'KIND-M', standard: 'MEDIO', kind: 'SUBTERRANEA', hours: 24 },
    ];
    const ids: string[] = [];
    for (const c of cases) {
      const from = new Date(hourFloor(now) - (c.hours - 1) * H);
      await insertPoint(ctx, c.point, new Date(from.getTime() - 5 * 60_000), new Date(now));
      const id = await insertDgaConfig(ctx, c.point, nextWork(), {
        standard: c.standard,
        kind: c.kind,
        activeFrom: activeFromFor(since),
      });
      ids.push(id);
      await startConfig(ctx, id, taskQueue);
    }
    const done = async (id: string, from: Date, expected: number) =>
      waitFor(`config ${id}`, async () => {
        const rows = withData(await ledger(ctx, id), from, new Date(now));
        return rows.length === expected && rows.every((r) => r.status === 'CONFIRMED') && rows;
      });
    await done(ids[0]!, new Date(hourFloor(now) - 2 * H), 3);
    await done(ids[1]!, new Date(hourFloor(now) - 2 * H), 3);
    // One slot a day, at 00:00 UTC−4.
    const daily = await done(ids[2]!, since, 1);
    expect(new Date(Date.parse(daily[0]!.slot) - 4 * H).toISOString().slice(11, 19)).toBe('00:00:00');
    const kinds = ctx.dga.records().map((r) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['surface-flowmeter', 'surface']));
    expect(ctx.dga.violations()).toEqual([]);
  }, 120_000);

  it('a slot without its level waits with the reason, and is sent when the late measurement arrives', async () => {
    const now = Date.now();
    const since = new Date(hourFloor(now) - 2 * H);
    const work = nextWork();
    await insertPoint(ctx, 'LATE', new Date(since.getTime() - 5 * 60_000), new Date(now), {
      variables: ['flow', 'total'],
    });
    const id = await startDga('LATE', work, since);
    await waitFor('the slots waiting for their level', async () => {
      const rows = withData(await ledger(ctx, id), since, new Date(now));
      // (The newest slot may still say "waiting for the level measurement" within 10 minutes of its time.)
      return rows.length === 3 && rows.every((r) => r.status === 'PENDING' && /level measurement/.test(r.reason ?? ''));
    });
    expect(ctx.dga.requests().filter((r) => r.codigoObra === work)).toEqual([]);
    await insertMeasurements(ctx, 'LATE', new Date(since.getTime() - 5 * 60_000), new Date(now), {
      variables: ['level'],
    });
    await expectAcceptedOnce(id, work, since, 3, new Date(now));
    expect(ctx.dga.violations()).toEqual([]);
  }, 120_000);

  it('a 30-hour backlog: sent one at a time, at least the spacing apart, zero violations', async () => {
    const now = Date.now();
    const since = new Date(hourFloor(now) - 29 * H);
    const work = nextWork();
    await insertPoint(ctx, 'BACKLOG', new Date(since.getTime() - 5 * 60_000), new Date(now));
    const id = await startDga('BACKLOG', work, since);
    const { requests } = await expectAcceptedOnce(id, work, since, 30, new Date(now));
    const gaps = requests.slice(1).map((r, i) => r.at - requests[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1_000);
    // The online slot (measured less than an hour ago) first, then the backlog oldest first.
    const sent = requests.map((r) => `${r.fechaMedicion}T${r.horaMedicion}`);
    const ordered = [...sent].sort();
    expect(sent).toEqual([ordered.at(-1), ...ordered.slice(0, -1)]);
    expect(ctx.dga.violations()).toEqual([]);

    // Deactivated, it is never claimed again: nothing more is sent, whatever wakes it.
    await ctx.db.query(`UPDATE compliance_configs SET status = 'INACTIVE' WHERE id = $1::bigint`, [id]);
    await startConfig(ctx, id, taskQueue);
    await sleep(1_500);
    expect(ctx.dga.requests().filter((r) => r.codigoObra === work)).toHaveLength(requests.length);
  }, 180_000);

  it('continues as new between batches and still sends each slot once (its history is replayed by test/workflows)', async () => {
    const now = Date.now();
    const since = new Date(hourFloor(now) - 4 * H);
    const work = nextWork();
    await insertPoint(ctx, 'CAN', new Date(since.getTime() - 5 * 60_000), new Date(now));
    const id = await insertDgaConfig(ctx, 'CAN', work, { activeFrom: activeFromFor(since) });
    // A sender that continues as new after a few dozen events.
    const handle = ctx.client.workflow.getHandle(senderWorkflowId(taskQueue));
    await handle.terminate('restarted with a short history');
    const first = await handle.describe();
    await startConfig(ctx, id, taskQueue, { maxHistoryEvents: 40 });
    await expectAcceptedOnce(id, work, since, 5, new Date(now));
    const runs: string[] = [];
    for await (const run of ctx.client.workflow.list({ query: `WorkflowId = '${senderWorkflowId(taskQueue)}'` }))
      runs.push(run.runId);
    expect(runs.filter((run) => run !== first.runId).length).toBeGreaterThanOrEqual(3);
    expect(ctx.dga.violations()).toEqual([]);
    // A whole run (it ended by continuing as new).
    const current = await handle.describe();
    const ended = runs.find((run) => run !== first.runId && run !== current.runId)!;
    await recordHistory(ctx.client.workflow.getHandle(senderWorkflowId(taskQueue), ended), 'compliance-sender');
  }, 120_000);

  it('the ensure schedule’s workflow starts the sender when none runs, and finds it running after', async () => {
    await stopSender(ctx, taskQueue);
    const run = async (name: string) => {
      const handle = await ctx.client.workflow.start('complianceEnsureSender', {
        taskQueue,
        workflowId: `compliance-ensure-test-${name}-${taskQueue}`,
        typedSearchAttributes: [{ key: PIPELINE, value: 'compliance' }],
      });
      const result = (await handle.result()) as { workflowId: string; started: boolean };
      if (name === 'first') await recordHistory(handle, 'compliance-ensure');
      return result;
    };
    expect(await run('first')).toEqual({ workflowId: senderWorkflowId(taskQueue), started: true });
    const sender = ctx.client.workflow.getHandle(senderWorkflowId(taskQueue));
    expect((await sender.describe()).status.name).toBe('RUNNING');
    // Again: it already runs. The API's signal-with-start joins the running one too.
    expect(await run('second')).toEqual({ workflowId: senderWorkflowId(taskQueue), started: false });
    const running = (await sender.describe()).runId;
    expect(await ensureComplianceSender(ctx.client, { taskQueue, wake: ['1'] })).toMatchObject({ started: false });
    expect((await sender.describe()).runId).toBe(running);
  }, 120_000);
});
