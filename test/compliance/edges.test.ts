import { MockActivityEnvironment } from '@temporalio/testing';
import {
  activeFromFor,
  createComplianceTestContext,
  H,
  insertDgaConfig,
  insertPoint,
  ledger,
  nextWork,
  startConfig,
  stopSender,
  waitFor,
  withData,
  workState,
  type ComplianceTestContext,
} from './harness';

/**
 * The two edges the sending and outcome tests leave: a work's run that fails before anything is sent
 * (the regulator's URL missing on a worker), and a receipt the DGA still does not know an hour after
 * accepting it.
 */
let ctx: ComplianceTestContext;
const queues: string[] = [];
beforeAll(async () => {
  ctx = await createComplianceTestContext();
}, 120_000);
afterAll(async () => {
  for (const queue of queues) await stopSender(ctx, queue);
  await ctx?.close();
});

const hourFloor = (t: number) => Math.floor(t / H) * H;

describe('compliance edges', () => {
  it('a worker without DGA_BASE_URL records and sends nothing; a configured one then sends the slot once', async () => {
    const now = Date.now();
    const slot = new Date(hourFloor(now) - H);
    const work = nextWork();
    await insertPoint(ctx, 'EDGE-URL', new Date(slot.getTime() - 5 * 60_000), new Date(slot.getTime() + 5 * 60_000));
    const id = await insertDgaConfig(ctx, 'EDGE-URL', work, { activeFrom: activeFromFor(slot) });
    const taskQueue = ctx.uniqueQueue('compliance');
    queues.push(taskQueue);
    const unconfigured = ctx.activities({
      config: { ...ctx.config, regulators: { ...ctx.config.regulators, dgaBaseUrl: undefined } },
    });
    await ctx.withWorkers([{ taskQueue, activities: unconfigured }], async () => {
      await startConfig(ctx, id, taskQueue);
      const state = await waitFor('the work resting after its failed run', async () => {
        const work = await workState(ctx, id);
        return work.state === 'failing' && !work.claimed && work;
      });
      expect(state.reason).toBe('DGA_BASE_URL is not set');
    });
    const { rows: attempts } = await ctx.db.query('SELECT 1 FROM compliance_attempts WHERE config_id = $1::bigint', [
      id,
    ]);
    expect(attempts).toHaveLength(0);
    expect(withData(await ledger(ctx, id), slot, slot).map((r) => r.status)).toEqual(['PENDING']);
    expect(ctx.dga.requests().filter((r) => r.codigoObra === work)).toEqual([]);

    // A worker with the setting: the work, woken, sends its slot once.
    await ctx.withWorkers([{ taskQueue, activities: ctx.activities() }], async () => {
      await startConfig(ctx, id, taskQueue);
      await waitFor('the slot confirmed', async () => {
        const rows = withData(await ledger(ctx, id), slot, slot);
        return rows.length === 1 && rows[0]!.status === 'CONFIRMED';
      });
    });
    expect(ctx.dga.records().filter((r) => r.codigoObra === work)).toHaveLength(1);
    expect(ctx.dga.violations()).toEqual([]);
  });

  it('a receipt the DGA does not know an hour after its acceptance is a notified ERROR; sooner it stays SENT', async () => {
    const slot = new Date(hourFloor(Date.now()) - 3 * H);
    const work = nextWork();
    await insertPoint(ctx, 'EDGE-RCPT', slot, slot);
    const id = await insertDgaConfig(ctx, 'EDGE-RCPT', work, { activeFrom: activeFromFor(slot) });
    const { rows: users } = await ctx.db.query<{ id: string }>(
      `INSERT INTO notification_users (name, email) VALUES ('edge operator', 'edge@example.test') RETURNING id::text`,
    );
    await ctx.db.query(
      `INSERT INTO notification_subscriptions (user_id, subject, channels) VALUES ($1::bigint, 'EDGE-RCPT', '{email}')`,
      [users[0]!.id],
    );
    const payload = {
      medicionSubterranea: {
        caudal: '1.00',
        fechaMedicion: '2026-01-01',
        horaMedicion: '00:00:00',
        nivelFreaticoDelPozo: '1.00',
        totalizador: '1',
      },
    };
    const accepted = async (n: number, agoMs: number) => {
      const at = new Date(slot.getTime() + n * H);
      await ctx.db.query(
        `INSERT INTO compliance_submissions (config_id, slot, status, payload, receipt, attempts, accepted_at)
         VALUES ($1::bigint, $2, 'SENT', $3, $4, 1, $5)`,
        [id, at, JSON.stringify(payload), `unknownReceipt${n}`.padEnd(32, 'x'), new Date(Date.now() - agoMs)],
      );
      return at.toISOString();
    };
    const old = await accepted(0, 2 * H);
    const fresh = await accepted(1, 60_000);
    const activities = ctx.activities();
    const env = new MockActivityEnvironment();
    const verify = (slotIso: string) =>
      env.run(activities.verifyComplianceSlot, { configId: id, slot: slotIso }) as Promise<{ outcome: string }>;

    expect((await verify(old)).outcome).toBe('MISMATCH');
    expect((await verify(fresh)).outcome).toBe('UNVERIFIED');
    const rows = await ledger(ctx, id);
    expect(rows.map((r) => [r.slot, r.status])).toEqual([
      [old, 'ERROR'],
      [fresh, 'SENT'],
    ]);
    expect(rows[0]!.reason).toContain('does not know receipt');
    const { rows: notified } = await ctx.db.query<{ about: string }>(
      `SELECT about FROM notification_outbox WHERE payload->>'type' = 'compliance.mismatch' AND about LIKE $1`,
      [`compliance:${id}:%`],
    );
    expect(notified).toHaveLength(1);
    // An ERROR with a receipt was accepted: it is never sent again.
    expect(ctx.dga.requests().filter((r) => r.codigoObra === work)).toEqual([]);
  });
});
