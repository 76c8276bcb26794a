import {
  activeFromFor,
  createComplianceTestContext,
  H,
  insertDgaConfig,
  insertMeasurements,
  insertPoint,
  ledger,
  nextWork,
  startConfig,
  waitFor,
  withComplianceWorker,
  withData,
  workState,
  type ComplianceTestContext,
} from './harness';

/**
 * A configuration deactivated while a slot waits for its daily resend after a lost
 * answer. The DGA holds that measurement; the slot is still resolved (the one resend the rules
 * allow, answered "Ya existe … Comprobante X"), nothing else of the work is sent while it is
 * inactive, and reactivating it sends the rest once and never the held measurement again.
 */
let ctx: ComplianceTestContext;
beforeAll(async () => {
  ctx = await createComplianceTestContext({ spacing: '1s', retryEvery: '5s' });
}, 120_000);
afterAll(() => ctx?.close());

const hourFloor = (t: number) => Math.floor(t / H) * H;

/** Deactivates or reactivates a work as the API's PATCH does: the row, then a wake of the sender. */
async function setStatus(id: string, status: 'ACTIVE' | 'INACTIVE', taskQueue: string) {
  await ctx.db.query('UPDATE compliance_configs SET status = $2, updated_at = now() WHERE id = $1::bigint', [
    id,
    status,
  ]);
  await startConfig(ctx, id, taskQueue);
}

const submitsOf = async (id: string, slot: string) =>
  (
    await ctx.db.query<{ outcome: string }>(
      `SELECT outcome FROM compliance_attempts WHERE config_id = $1::bigint AND slot = $2 AND kind = 'SUBMIT'
        ORDER BY attempt`,
      [id, slot],
    )
  ).rows.map((r) => r.outcome);

describe('deactivating a work with a send left without an answer', () => {
  it('resolves that slot anyway, sends nothing else while inactive, and never resends it once reactivated', async () => {
    await withComplianceWorker(ctx, 'compliance-deactivate', async (taskQueue) => {
      const now = Date.now();
      const since = new Date(hourFloor(now) - 3 * H);
      const point = 'DEACTIVATED';
      // Data for the first slot only: it is the work's one send before the deactivation.
      await insertPoint(ctx, point, new Date(since.getTime() - 5 * 60_000), new Date(since.getTime() + 5 * 60_000));
      const work = nextWork();
      const id = await insertDgaConfig(ctx, point, work, { activeFrom: activeFromFor(since) });
      ctx.dga.loseAnswerNext(1);
      await startConfig(ctx, id, taskQueue, { heartbeatTimeout: '2 seconds' });

      const inDoubt = since.toISOString();
      await waitFor('the first send without an answer', async () =>
        (await submitsOf(id, inDoubt)).includes('NO_ANSWER'),
      );
      await setStatus(id, 'INACTIVE', taskQueue);
      // The rest of the data arrives while the work is inactive: none of it may leave.
      await insertMeasurements(ctx, point, new Date(since.getTime() + 5 * 60_000), new Date(now));

      const resolved = await waitFor('the unanswered slot resolved', async () => {
        const row = (await ledger(ctx, id)).find((r) => r.slot === inDoubt);
        return row?.status === 'CONFIRMED' && row;
      });
      // The resend found the measurement held: its receipt is the DGA's, and the DGA has it once.
      const held = ctx.dga.records().filter((r) => r.codigoObra === work);
      expect(held).toHaveLength(1);
      expect(resolved.receipt).toBe(held[0]!.numeroComprobante);
      expect(await submitsOf(id, inDoubt)).toEqual(['NO_ANSWER', 'DUPLICATE']);
      // Planned again after the resend's spacing: nothing left to resolve, and nothing else sent.
      await waitFor('the inactive work stopped', async () => {
        const state = await workState(ctx, id);
        return state.state === 'stopped' && state.claimed === null && state;
      });
      const others = withData(await ledger(ctx, id), since, new Date(now)).filter((r) => r.slot !== inDoubt);
      expect(others.length).toBeGreaterThanOrEqual(3);
      for (const row of others) expect(row).toMatchObject({ status: 'PENDING', attempts: 0 });
      expect(ctx.dga.requests().filter((r) => r.codigoObra === work)).toHaveLength(2);

      await setStatus(id, 'ACTIVE', taskQueue);
      const rows = await waitFor('every slot with data confirmed', async () => {
        const all = withData(await ledger(ctx, id), since, new Date(now));
        return all.every((r) => r.status === 'CONFIRMED') && all;
      });
      const requests = ctx.dga.requests().filter((r) => r.codigoObra === work);
      // One request per other slot, and the held one never again after its duplicate answer.
      expect(requests.map((r) => r.outcome).sort()).toEqual(
        ['lost', 'duplicate', ...rows.slice(1).map(() => 'accepted')].sort(),
      );
      expect(rows.find((r) => r.slot === inDoubt)).toMatchObject({ attempts: 2, receipt: resolved.receipt });
      expect(ctx.dga.records().filter((r) => r.codigoObra === work)).toHaveLength(rows.length);
      expect(ctx.dga.violations()).toEqual([]);
    });
  }, 180_000);
});
