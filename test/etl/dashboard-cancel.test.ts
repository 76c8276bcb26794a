import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowFailedError } from '@temporalio/client';
import { DateTime } from 'luxon';
import { ETL_TABLES } from '../../lib/etl/registry';
import { etlTableWorkflowId } from '../../lib/etl/window';
import { PIPELINE } from '../../lib/search-attributes';
import { demoDays, demoRows } from '../../local/demo-data/etl';
import { insertSourceRows, runSourceDml } from '../../local/etl-source';
import type { EtlDashboardResult } from '../../workflows/etl';
import { createEtlTestContext, rowVersions, targetRows, type EtlTestContext } from './harness';

/**
 * A dashboard refresh (`etlDashboard`) cancelled while its five children are extracting ends
 * Canceled, each child ends Canceled, and every target table is exactly as before: same rows,
 * same row versions (nothing half-merged), no staging table or checkpoint left, the runs logged
 * `canceled`.
 */
let ctx: EtlTestContext;
// Children are named `etl-table/<table>/<mode>/<local date>`: a zone whose date is not the other
// ETL tests' (America/Santiago) keeps their runs and these apart.
const ZONE = ['Pacific/Kiritimati', 'Pacific/Pago_Pago'].find(
  (zone) => DateTime.now().setZone(zone).toISODate() !== DateTime.now().setZone('America/Santiago').toISODate(),
)!;

beforeAll(async () => {
  ctx = await createEtlTestContext();
  const today = DateTime.now().setZone(ZONE).toISODate()!;
  const first = DateTime.fromISO(today).minus({ days: 4 }).toISODate()!;
  for (const table of ETL_TABLES) {
    const rows = demoDays(table, first, today).flatMap((day) => demoRows(table.name, day));
    await insertSourceRows(ctx.source, table.name, rows);
  }
}, 120_000);
afterAll(async () => {
  await ctx?.close();
});

const snapshot = async () =>
  Object.fromEntries(
    await Promise.all(
      ETL_TABLES.map(async ({ name }) => [
        name,
        { rows: await targetRows(ctx.db, name), versions: await rowVersions(ctx.db, name) },
      ]),
    ),
  );

describe('a dashboard refresh', () => {
  it('cancelled mid-run ends Canceled with its children Canceled and every target table as before', async () => {
    const taskQueue = ctx.uniqueQueue('etl-dashboard-cancel');
    let before: Awaited<ReturnType<typeof snapshot>> = {};
    await ctx.withWorkers([{ taskQueue, activities: ctx.activitiesByQueue.etl }], async () => {
      const start = (force: boolean, suffix: string) =>
        ctx.client.workflow.start('etlDashboard', {
          taskQueue,
          workflowId: `etl-dashboard/${force ? 'force' : 'incremental'}/${suffix}-${taskQueue}`,
          args: [{ force, timeZone: ZONE, pageSize: force ? 1 : 50, heartbeatTimeout: '5 seconds' }],
          typedSearchAttributes: [{ key: PIPELINE, value: 'etl' }],
        });
      const loaded = (await (await start(false, 'load')).result()) as EtlDashboardResult;
      expect(loaded.tables.map((t) => t.status)).toEqual(ETL_TABLES.map(() => 'succeeded'));

      // Upstream revises every table, so a refresh that completed would write.
      for (const { name } of ETL_TABLES) {
        await runSourceDml(
          ctx.source,
          `UPDATE \`${ctx.source.projectId}.${ctx.dataset}.${name}\` SET actualizado_en = CURRENT_TIMESTAMP() WHERE TRUE`,
        );
      }
      before = await snapshot();
      for (const { name } of ETL_TABLES) expect(before[name]!.rows.length).toBeGreaterThan(0);

      const handle = await start(true, 'cancel');
      const deadline = Date.now() + 60_000;
      // Mid-run: every child has staged pages of its window, none has merged.
      for (;;) {
        const { rows } = await ctx.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM etl_extract_checkpoints WHERE pages >= 2',
        );
        if (rows[0]!.n === ETL_TABLES.length) break;
        if (Date.now() > deadline) throw new Error('the five children did not all start extracting');
        await sleep(50);
      }
      await handle.cancel();
      const error = await handle.result().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect((await handle.describe()).status.name).toBe('CANCELLED');

      // The business date is the run's start day, not today's: a test that spans midnight keeps it.
      const businessDate = DateTime.fromJSDate((await handle.describe()).startTime)
        .setZone(ZONE)
        .toISODate()!;
      for (const { name } of ETL_TABLES) {
        const child = ctx.client.workflow.getHandle(etlTableWorkflowId(name, 'force', businessDate));
        expect([name, (await child.describe()).status.name]).toEqual([name, 'CANCELLED']);
      }
    });

    expect(await snapshot()).toEqual(before);
    const { rows: staging } = await ctx.db.query(
      "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'etl_staging'",
    );
    expect(staging[0]!.n).toBe(0);
    expect((await ctx.db.query('SELECT count(*)::int AS n FROM etl_extract_checkpoints')).rows[0]!.n).toBe(0);
    const { rows: log } = await ctx.db.query(
      "SELECT table_name, status FROM etl_execution_log WHERE mode = 'force' ORDER BY table_name",
    );
    expect(log).toEqual(
      ETL_TABLES.map(({ name }) => ({ table_name: name, status: 'canceled' })).sort((a, b) =>
        a.table_name.localeCompare(b.table_name),
      ),
    );
  }, 180_000);
});
