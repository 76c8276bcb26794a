import { regulatorDate, regulatorDayStart } from '../../lib/compliance/calendar';
import { slotsBetween } from '../../lib/compliance/slots';
import { COMPLIANCE_TASK_QUEUE, senderWorkflowId } from '../../lib/compliance/sender-contract';
import { PROBLEM_ALREADY_ACCEPTED } from '../../api/compliance/ledger';
import { startTestApi, type TestApi } from '../api/api-client';
import { TEST_KEYS } from '../harness/context';
import {
  createComplianceTestContext,
  insertPoint,
  nextWork,
  stopSender,
  waitFor,
  type ComplianceTestContext,
} from './harness';

/**
 * The operator's path through the API with a worker of the `compliance` queue running: a
 * configuration created over HTTP sends today's slots on its own, the ledger and the status show the
 * receipts the DGA gave, an accepted slot is never sent again, and today's report is readable.
 */
let ctx: ComplianceTestContext;
let api: TestApi;
beforeAll(async () => {
  ctx = await createComplianceTestContext({ spacing: '1s', retryEvery: '5s' });
  api = await startTestApi(ctx);
}, 120_000);
afterAll(async () => {
  await stopSender(ctx, COMPLIANCE_TASK_QUEUE);
  await api?.close();
  await ctx?.close();
});

describe('compliance through the API', () => {
  it('a configuration created over HTTP sends its slots; the ledger, status and report show the receipts', async () => {
    const now = new Date();
    const today = regulatorDate(now);
    const dayStart = regulatorDayStart(today);
    await insertPoint(ctx, 'API-WELL-1', dayStart, now);
    const expected = slotsBetween({ standard: 'MAYOR', activeFrom: today, activeTo: null }, dayStart, now).map((d) =>
      d.toISOString(),
    );

    await ctx.withWorkers([{ taskQueue: COMPLIANCE_TASK_QUEUE, activities: ctx.activities() }], async () => {
      const codigoObra = nextWork();
      const created = await api.post('/api/v1/compliance/configs', {
        pointCode: 'API-WELL-1',
        source: 'DGA',
        standard: 'MAYOR',
        dga: { codigoObra, workKind: 'SUBTERRANEA' },
        credentialsRef: 'dga-main',
        activeFrom: today,
      });
      expect(created.status).toBe(201);
      const id = created.json.id as number;

      const confirmed = await waitFor(
        'every slot of today confirmed',
        async () => {
          const page = await api.get(`/api/v1/compliance/submissions?config=${id}&status=CONFIRMED`, TEST_KEYS.viewer);
          return page.json.items.length === expected.length && page.json.items;
        },
        90_000,
      );
      const records = new Map(ctx.dga.records().map((r) => [`${r.fechaMedicion}T${r.horaMedicion}`, r]));
      expect(records.size).toBe(expected.length);
      for (const submission of confirmed as {
        slot: string;
        receipt: string;
        payload: { medicionSubterranea: { fechaMedicion: string; horaMedicion: string } };
        attempts: { kind: string; outcome: string }[];
      }[]) {
        const { fechaMedicion, horaMedicion } = submission.payload.medicionSubterranea;
        expect(records.get(`${fechaMedicion}T${horaMedicion}`)?.numeroComprobante).toBe(submission.receipt);
        expect(submission.payload).not.toHaveProperty('autenticacion');
        expect(submission.attempts.filter((a) => a.kind === 'SUBMIT').map((a) => a.outcome)).toEqual(['ACCEPTED']);
      }
      expect(confirmed.map((s: { slot: string }) => s.slot)).toEqual(expected);

      // Once its last slot is sent and the spacing is over, the work's row says it waits (for the next slot's data).
      const status = await waitFor('the work waiting again', async () => {
        const answer = await api.get(`/api/v1/compliance/configs/${id}/status`, TEST_KEYS.viewer);
        return ['idle', 'waiting-data'].includes(answer.json.sending.state) && answer;
      });
      // (An hour that began meanwhile opens its slot, waiting for data the test never gives.)
      expect(status.json).toMatchObject({
        counts: { CONFIRMED: expected.length },
        lastReceipt: { slot: expected.at(-1) },
        sending: { workflowId: senderWorkflowId() },
      });

      const again = await api.post(`/api/v1/compliance/configs/${id}/slots/${expected[0]}/submit`);
      expect(again.status).toBe(409);
      expect(again.json.type).toBe(PROBLEM_ALREADY_ACCEPTED);

      const report = await api.get(`/api/v1/compliance/reports?date=${today}&config=${id}`, TEST_KEYS.viewer);
      expect(report.json).toMatchObject({
        provisional: true,
        items: [{ configId: id, expected: 24, confirmed: expected.length, missing: 24 - expected.length }],
      });
    });
    expect(ctx.dga.violations()).toEqual([]);
  }, 120_000);
});
