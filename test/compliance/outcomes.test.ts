import { requestSubmitNow } from '../../platform/compliance-sender';
import { PIPELINE } from '../../lib/search-attributes';
import { recordHistory } from '../harness/histories';
import {
  activeFromFor,
  createComplianceTestContext,
  H,
  insertDgaConfig,
  insertPoint,
  insertSmaConfig,
  ledger,
  nextWork,
  startComplianceWorker,
  startConfig,
  waitFor,
  withData,
  workState,
  type ComplianceFileWorker,
  type ComplianceTestContext,
} from './harness';

/**
 * What the regulators answer besides "accepted": the informant error (that work stops and its
 * users hear of it, the others go on), a receipt whose values the DGA holds differently (found by
 * the verify sweep), and the SMA's token renewal and 400.
 */
let ctx: ComplianceTestContext;
let worker: ComplianceFileWorker;
let taskQueue: string;

beforeAll(async () => {
  ctx = await createComplianceTestContext();
  worker = startComplianceWorker(ctx);
  taskQueue = worker.taskQueue;
  const { rows } = await ctx.db.query<{ id: string }>(
    `INSERT INTO notification_users (name, email) VALUES ('operator', 'ops@example.test') RETURNING id::text`,
  );
  for (const point of ['INF-A', 'INF-B', 'MIS', 'SMA-A', 'SMA-B', 'SMA-C'])
    await ctx.db.query(
      `INSERT INTO notification_subscriptions (user_id, subject, channels) VALUES ($1::bigint, $2, '{email}')`,
      [rows[0]!.id, point],
    );
}, 120_000);
afterAll(async () => {
  await worker.stop();
  await ctx.close();
});

const hourFloor = (t: number) => Math.floor(t / H) * H;
const outbox = async (type: string) =>
  (
    await ctx.db.query<{ about: string }>(`SELECT about FROM notification_outbox WHERE payload->>'type' = $1`, [type])
  ).rows.map((r) => r.about);
const configStatus = async (id: string) =>
  (
    await ctx.db.query<{ status: string; blocked_reason: string | null }>(
      'SELECT status, blocked_reason FROM compliance_configs WHERE id = $1::bigint',
      [id],
    )
  ).rows[0]!;

async function start(id: string) {
  await startConfig(ctx, id, taskQueue);
  return id;
}

describe('regulator outcomes', () => {
  it('the informant error blocks that work only and notifies; fixed, it sends again under the daily rule', async () => {
    const now = Date.now();
    const since = new Date(hourFloor(now) - 2 * H);
    const [foreign, own] = [nextWork(), nextWork()];
    ctx.dga.setInformantMismatch(foreign, true);
    await insertPoint(ctx, 'INF-A', new Date(since.getTime() - 5 * 60_000), new Date(now));
    await insertPoint(ctx, 'INF-B', new Date(since.getTime() - 5 * 60_000), new Date(now));
    const blocked = await start(await insertDgaConfig(ctx, 'INF-A', foreign, { activeFrom: activeFromFor(since) }));
    const fine = await start(await insertDgaConfig(ctx, 'INF-B', own, { activeFrom: activeFromFor(since) }));

    await waitFor('the other work confirmed', async () => {
      const rows = withData(await ledger(ctx, fine), since, new Date(now));
      return rows.length === 3 && rows.every((r) => r.status === 'CONFIRMED');
    });
    await waitFor('the work blocked', async () => (await configStatus(blocked)).status === 'BLOCKED');
    expect((await configStatus(blocked)).blocked_reason).toMatch(/informante/);
    await waitFor(
      'the work left blocked by the sender',
      async () => (await workState(ctx, blocked)).state === 'blocked',
    );
    // One request only: a configuration error is not retried.
    expect(ctx.dga.requests().filter((r) => r.codigoObra === foreign)).toHaveLength(1);
    expect(
      (await outbox('compliance.config_error')).filter((a) => a.startsWith(`compliance:${blocked}:`)),
    ).toHaveLength(1);
    expect(withData(await ledger(ctx, blocked), since, new Date(now)).map((r) => r.status)).toEqual([
      'PENDING',
      'PENDING',
      'PENDING',
    ]);

    // The operator fixes the registration and reactivates: every slot goes, the failed one after the "day".
    ctx.dga.setInformantMismatch(foreign, false);
    await ctx.db.query(`UPDATE compliance_configs SET status = 'ACTIVE', blocked_reason = NULL WHERE id = $1::bigint`, [
      blocked,
    ]);
    await startConfig(ctx, blocked, taskQueue);
    await waitFor('the unblocked work confirmed', async () => {
      const rows = withData(await ledger(ctx, blocked), since, new Date(now));
      return rows.every((r) => r.status === 'CONFIRMED');
    });
    expect(ctx.dga.records().filter((r) => r.codigoObra === foreign)).toHaveLength(3);
    expect(ctx.dga.violations()).toEqual([]);
  }, 120_000);

  it('the verify sweep confirms what the DGA holds and turns a different value into a notified ERROR', async () => {
    const now = Date.now();
    const since = new Date(hourFloor(now) - H);
    const work = nextWork();
    await insertPoint(ctx, 'MIS', new Date(since.getTime() - 5 * 60_000), new Date(now));
    // The verify after each send does not find the receipt yet (404 just after the acceptance is not an
    // error): both slots stay SENT for the sweep.
    ctx.dga.failVerifyNext(2, 404);
    const id = await start(await insertDgaConfig(ctx, 'MIS', work, { activeFrom: activeFromFor(since) }));
    const rows = await waitFor('both slots sent', async () => {
      const all = withData(await ledger(ctx, id), since, new Date(now));
      return all.length === 2 && all.every((r) => r.status === 'SENT') && all;
    });
    ctx.dga.tamper(rows[0]!.receipt!, 'caudal', '999.99');
    const sweep = await ctx.client.workflow.start('complianceVerifySweep', {
      taskQueue,
      workflowId: `compliance-verify-test-${taskQueue}`,
      args: [{ olderThanMs: 0 }],
      typedSearchAttributes: [{ key: PIPELINE, value: 'compliance' }],
    });
    const result = await sweep.result();
    expect(result).toMatchObject({ verified: { CONFIRMED: 1, MISMATCH: 1 } });
    await recordHistory(sweep, 'compliance-verify-sweep');
    const after = withData(await ledger(ctx, id), since, new Date(now));
    expect(after.map((r) => r.status)).toEqual(['ERROR', 'CONFIRMED']);
    expect(after[0]!.reason).toMatch(/caudal sent "[\d.]+", held "999.99"/);
    expect(await outbox('compliance.mismatch')).toEqual([`compliance:${id}:${rows[0]!.slot}:compliance.mismatch`]);
  }, 120_000);

  it('SMA: a 500 retried after the backoff, one token reused and renewed once after expiry, a 400 REJECTED with its reason and resubmitted', async () => {
    const now = Date.now();
    const since = new Date(hourFloor(now) - H);
    for (const point of ['SMA-A', 'SMA-B', 'SMA-C'])
      await insertPoint(ctx, point, new Date(since.getTime() - 5 * 60_000), new Date(now));
    // Its first call answers 500: retried after the backoff (1 min, capped at the 5 s "day" here).
    ctx.sma.failNext(1, 500);
    const first = await start(
      await insertSmaConfig(
        ctx,
        'SMA-A',
        { ufId: '3451', procesoId: '8021', dispositivoId: '12180' },
        activeFromFor(since),
      ),
    );
    await waitFor('the SMA slots confirmed', async () => {
      const rows = withData(await ledger(ctx, first), since, new Date(now));
      return rows.length === 2 && rows.every((r) => r.status === 'CONFIRMED' && r.receipt);
    });
    expect(ctx.sma.tokensIssued()).toBe(1);
    expect(ctx.sma.requests().map((r) => r.outcome)).toEqual(['error500', 'accepted', 'accepted']);
    const retried = await ctx.db.query<{ outcome: string }>(
      `SELECT outcome FROM compliance_attempts WHERE config_id = $1::bigint ORDER BY started_at`,
      [first],
    );
    expect(retried.rows.map((r) => r.outcome)).toEqual(['SERVER_ERROR', 'ACCEPTED', 'ACCEPTED']);

    ctx.sma.expireTokens();
    const second = await start(
      await insertSmaConfig(
        ctx,
        'SMA-B',
        { ufId: '3452', procesoId: '8022', dispositivoId: '22001' },
        activeFromFor(since),
      ),
    );
    await waitFor('the second device confirmed', async () => {
      const rows = withData(await ledger(ctx, second), since, new Date(now));
      return rows.length === 2 && rows.every((r) => r.status === 'CONFIRMED');
    });
    expect(ctx.sma.tokensIssued()).toBe(2);
    expect(ctx.sma.requests().filter((r) => r.outcome === 'unauthorized')).toHaveLength(1);

    // Device 12181 reports Q and VA only; the configuration sends NF too: a 400, kept with its reason.
    const wrong = await start(
      await insertSmaConfig(
        ctx,
        'SMA-C',
        { ufId: '3451', procesoId: '8021', dispositivoId: '12181' },
        activeFromFor(since),
      ),
    );
    const rejected = await waitFor('the wrong parameter set rejected', async () => {
      const rows = withData(await ledger(ctx, wrong), since, new Date(now));
      return rows.length === 2 && rows.every((r) => r.status === 'REJECTED') && rows;
    });
    expect(rejected[0]!.reason).toMatch(/parámetros Q, VA/);
    expect((await outbox('compliance.rejected')).filter((a) => a.startsWith(`compliance:${wrong}:`))).toHaveLength(2);
    const calls = () => ctx.sma.requests().filter((r) => r.dispositivoIds.includes('12181'));
    expect(calls()).toHaveLength(2);

    // Corrected, an operator resubmits one slot: only that one goes again, and is accepted.
    await ctx.db.query(`UPDATE compliance_configs SET sma_parameters = '{Q,VA}' WHERE id = $1::bigint`, [wrong]);
    // Someone else holds the work for 3 s more: the request waits for the claim, then reopens and sends the slot.
    await ctx.db.query(
      `UPDATE compliance_configs SET claimed_by = 'another sender', claimed_until = now() + interval '3 seconds'
        WHERE id = $1::bigint`,
      [wrong],
    );
    const request = await requestSubmitNow(ctx.client, wrong, rejected[1]!.slot, { taskQueue });
    expect(request).toMatchObject({ workflowId: `compliance/${wrong}/${rejected[1]!.slot}`, started: true });
    // A second request while the first runs finds it.
    expect(await requestSubmitNow(ctx.client, wrong, rejected[1]!.slot, { taskQueue })).toMatchObject({
      workflowId: request.workflowId,
      started: false,
    });
    await waitFor('the resubmitted slot confirmed', async () => {
      const rows = withData(await ledger(ctx, wrong), since, new Date(now));
      return rows[1]!.status === 'CONFIRMED' && rows;
    });
    expect((await ledger(ctx, wrong)).filter((r) => r.status === 'REJECTED')).toHaveLength(1);
    expect(calls()).toHaveLength(3);
    const slotRun = ctx.client.workflow.getHandle(request.workflowId);
    expect(['ACCEPTED', 'QUEUED']).toContain(((await slotRun.result()) as { outcome: string }).outcome);
    await recordHistory(slotRun, 'compliance-slot');
    expect(ctx.sma.violations()).toEqual([]);
  }, 120_000);
});
