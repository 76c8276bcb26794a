import { createComplianceReportActivities } from '../../activities/compliance/report';
import { createNotificationActivities } from '../../platform/notifications/delivery';
import { enqueueDailySummaries } from '../../activities/telemetry/summary';
import { readReports } from '../../api/compliance/reports';
import { regulatorDate, regulatorDayStart } from '../../lib/compliance/calendar';
import { dayReport, expectedSlots, previousDay } from '../../lib/compliance/report';
import { PIPELINE, TRIGGERED_BY } from '../../lib/search-attributes';
import { startSmtpCapture, type SmtpCapture } from '../harness/smtp';
import { createTelemetryTestContext, type TelemetryTestContext } from '../telemetry/harness';

const HOUR = 3_600_000;

describe('the report of a day (pure)', () => {
  it("uses the regulators' fixed UTC−4 calendar, whatever America/Santiago's offset", () => {
    // 2026-04-05 and 2026-09-06 are Santiago's DST changes; the regulators' day stays 24 h at −04:00.
    for (const day of ['2026-04-05', '2026-09-06', '2026-12-01']) {
      expect(regulatorDayStart(day).toISOString()).toBe(`${day}T04:00:00.000Z`);
      expect(expectedSlots('MAYOR', day, { from: '2026-01-01', to: null })).toHaveLength(24);
    }
    expect(regulatorDate(new Date('2026-12-02T03:59:59Z'))).toBe('2026-12-01');
    expect(regulatorDate(new Date('2026-12-02T04:00:00Z'))).toBe('2026-12-02');
    expect(previousDay('2026-03-01')).toBe('2026-02-28');
  });

  it('expects 24 hourly slots for MAYOR and the SMA, one for MEDIO, none for the manual standards or outside the dates', () => {
    const active = { from: '2026-06-01', to: '2026-06-30' };
    expect(expectedSlots('SMA', '2026-06-10', active)).toHaveLength(24);
    expect(expectedSlots('MEDIO', '2026-06-10', active).map(String)).toEqual([String(regulatorDayStart('2026-06-10'))]);
    expect(expectedSlots('MENOR', '2026-06-10', active)).toEqual([]);
    expect(expectedSlots('CAUDALES_MUY_PEQUENOS', '2026-06-10', active)).toEqual([]);
    expect(expectedSlots('MAYOR', '2026-05-31', active)).toEqual([]);
    expect(expectedSlots('MAYOR', '2026-06-30', active)).toHaveLength(24);
    expect(expectedSlots('MAYOR', '2026-07-01', active)).toEqual([]);
  });

  it('counts sent, confirmed, rejected, missing and late slots', () => {
    const slots = expectedSlots('MAYOR', '2026-06-10', { from: '2026-06-01', to: null });
    const at = (i: number, minutes: number) => new Date(slots[i]!.getTime() + minutes * 60_000);
    const report = dayReport(slots, [
      { slot: slots[0]!, status: 'CONFIRMED', reason: null, receipt: 'R0', firstAttemptAt: at(0, 5) },
      { slot: slots[1]!, status: 'SENT', reason: null, receipt: 'R1', firstAttemptAt: at(1, 61) },
      { slot: slots[2]!, status: 'REJECTED', reason: 'caudal', receipt: null, firstAttemptAt: at(2, 5) },
      { slot: slots[3]!, status: 'PENDING', reason: 'no data', receipt: null, firstAttemptAt: null },
    ]);
    expect(report).toMatchObject({ expected: 24, sent: 3, confirmed: 1, rejected: 1, missing: 22, late: 1 });
    expect(report.details.late).toEqual([slots[1]!.toISOString()]);
    expect(report.details.rejected).toEqual([{ slot: slots[2]!.toISOString(), reason: 'caudal' }]);
  });
});

let smtp: SmtpCapture;
let ctx: TelemetryTestContext;

beforeAll(async () => {
  smtp = await startSmtpCapture();
  ctx = await createTelemetryTestContext(() => ({
    SMTP_URL: smtp.url,
    NOTIFY_FROM: 'compliance@example.test',
  }));
}, 120_000);
afterAll(async () => {
  await ctx?.close();
  await smtp?.close();
});

describe('the daily compliance report', () => {
  it('is stored per configuration, emailed once to subscribers, and part of the 08:00 summary', async () => {
    const day = previousDay(regulatorDate(new Date()));
    const start = regulatorDayStart(day).getTime();
    const [pointA, pointB, pointC] = ctx.points.map((p) => p.code);
    const { rows: configs } = await ctx.db.query<{ id: string }>(
      `INSERT INTO compliance_configs (point_code, source, standard, dga_codigo_obra, dga_work_kind, credentials_ref, active_from)
       VALUES ($1, 'DGA', 'MAYOR', 'OB-0101-1', 'SUBTERRANEA', 'dga', $4::date - 3),
              ($2, 'DGA', 'MEDIO', 'OB-0101-2', 'SUBTERRANEA', 'dga', $4::date - 3),
              ($3, 'DGA', 'MENOR', 'OB-0101-3', 'SUBTERRANEA', 'dga', $4::date - 3)
       RETURNING id::text`,
      [pointA, pointB, pointC, day],
    );
    const [mayor, medio] = configs.map((c) => c.id);
    // MAYOR: 20 confirmed on time, 1 confirmed but first sent 3 h late, 1 rejected, 1 waiting, 1 never planned.
    const ledger: [string, number, string, string | null, number | null][] = [];
    for (let h = 0; h < 20; h++) ledger.push([mayor!, h, 'CONFIRMED', `R${h}`, 5]);
    ledger.push(
      [mayor!, 20, 'CONFIRMED', 'R20', 180],
      [mayor!, 21, 'REJECTED', null, 5],
      [mayor!, 22, 'PENDING', null, null],
    );
    // MEDIO: its one slot sent and accepted, not verified yet.
    ledger.push([medio!, 0, 'SENT', 'M0', 30]);
    for (const [config, h, status, receipt, attemptAfter] of ledger) {
      const slot = new Date(start + h * HOUR);
      await ctx.db.query(
        `INSERT INTO compliance_submissions (config_id, slot, status, receipt, attempts) VALUES ($1, $2, $3, $4, $5)`,
        [config, slot, status, receipt, attemptAfter === null ? 0 : 1],
      );
      if (attemptAfter !== null)
        await ctx.db.query(
          `INSERT INTO compliance_attempts (config_id, slot, attempt, started_at, finished_at, outcome)
           VALUES ($1, $2, 1, $3, $3, $4)`,
          [config, slot, new Date(slot.getTime() + attemptAfter * 60_000), receipt ? 'ACCEPTED' : 'REJECTED'],
        );
    }
    const { rows: users } = await ctx.db.query<{ id: string }>(
      `INSERT INTO notification_users (name, email, daily_summary) VALUES ('Compliance officer', 'officer@example.test', true)
       RETURNING id::text`,
    );
    await ctx.db.query(
      `INSERT INTO notification_subscriptions (user_id, subject, event_types, channels) VALUES ($1, $2, '{}', '{email}')`,
      [users[0]!.id, pointA],
    );

    const taskQueue = ctx.uniqueQueue('compliance');
    const activities = { ...createComplianceReportActivities(ctx), ...createNotificationActivities(ctx) };
    const run = (input: { timeZone: string; day?: string }) =>
      ctx.withWorkers([{ taskQueue, activities }], async () => {
        const handle = await ctx.client.workflow.start('complianceDailyReport', {
          taskQueue,
          workflowId: `compliance-report-test/${taskQueue}/${smtp.mails.length}-${Date.now()}`,
          args: [input],
          typedSearchAttributes: [
            { key: PIPELINE, value: 'compliance' },
            { key: TRIGGERED_BY, value: 'api' },
          ],
        });
        const result = await handle.result();
        return { result, startTime: (await handle.describe()).startTime };
      });

    // Before the report runs, the API's answer is what the ledger says now, marked provisional.
    const live = await readReports(ctx.db, day);
    expect(live.provisional).toBe(true);
    expect(live.items.map((r) => [r.configId, r.confirmed, r.missing])).toEqual([
      [Number(mayor), 21, 3],
      [Number(medio), 0, 0],
    ]);

    const first = await run({ timeZone: 'America/Santiago', day });
    expect(first.result).toMatchObject({ day, configs: 2, delivered: { sent: 1, failed: 0 } });
    const { provisional, items: reports } = await readReports(ctx.db, day);
    expect(provisional).toBe(false);
    expect(
      reports.map(({ configId, expected, sent, confirmed, rejected, missing, late }) => ({
        configId,
        expected,
        sent,
        confirmed,
        rejected,
        missing,
        late,
      })),
    ).toEqual([
      { configId: Number(mayor), expected: 24, sent: 22, confirmed: 21, rejected: 1, missing: 3, late: 1 },
      { configId: Number(medio), expected: 1, sent: 1, confirmed: 0, rejected: 0, missing: 0, late: 0 },
    ]);
    expect(reports[0]!.details).toMatchObject({ late: [new Date(start + 20 * HOUR).toISOString()] });
    expect(smtp.mails.map(({ to, subject }) => ({ to, subject }))).toEqual([
      { to: 'officer@example.test', subject: expect.stringContaining(`compliance ${day}: 21/24 confirmed, 3 missing`) },
    ]);

    // Later that day the missing slot is confirmed; a second run updates the counts and mails nobody again.
    await ctx.db.query(
      `UPDATE compliance_submissions SET status = 'CONFIRMED', receipt = 'R22' WHERE config_id = $1 AND slot = $2`,
      [mayor, new Date(start + 22 * HOUR)],
    );
    await run({ timeZone: 'America/Santiago', day });
    expect((await readReports(ctx.db, day, Number(mayor))).items[0]).toMatchObject({ confirmed: 22, missing: 2 });
    expect(smtp.mails).toHaveLength(1);

    // Without `day`, a run reports the regulators' day before the one it started on.
    const scheduled = await run({ timeZone: 'America/Santiago' });
    expect(scheduled.result.day).toBe(previousDay(regulatorDate(scheduled.startTime)));

    // The 08:00 summary carries the report of the points its reader follows.
    await enqueueDailySummaries(ctx.db, 'summary-test', new Date(regulatorDayStart(day).getTime() + 28 * HOUR));
    const { rows: outbox } = await ctx.db.query<{ payload: { text: string } }>(
      `SELECT payload FROM notification_outbox WHERE about = 'telemetry-daily-summary:summary-test'`,
    );
    expect(outbox).toHaveLength(1);
    expect(outbox[0]!.payload.text).toContain(`Compliance report of ${day}:`);
    expect(outbox[0]!.payload.text).toContain(`${pointA} → DGA MAYOR: 24 expected, 22 sent, 22 confirmed`);
    expect(outbox[0]!.payload.text).not.toContain(`${pointB} →`);
  });
});
