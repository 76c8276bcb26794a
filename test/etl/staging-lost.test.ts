import { MockActivityEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import { ensureCheckpoint, type ExtractResult } from '../../activities/etl/extract';
import { EVOLUTION_DATA } from '../../lib/etl/registry';
import { PIPELINE } from '../../lib/search-attributes';
import { demoRows } from '../../local/demo-data/etl';
import { insertSourceRows, type SourceRow } from '../../local/etl-source';
import type { EtlTableResult } from '../../workflows/etl';
import { createEtlTestContext, logRows, targetRows, type EtlTestContext } from './harness';

/**
 * Staging tables are UNLOGGED: a PostgreSQL crash empties them while the checkpoint (logged)
 * still says how many rows were staged. Emptying one by hand plays that crash: the extract (on
 * resume) and the merge (after the extract finished) notice, and the run queries the window again
 * and ends with the target equal to the source.
 */
const ZONE = 'America/Santiago';
const table = EVOLUTION_DATA.name;
const window = { from: null, to: null };
let ctx: EtlTestContext;
let source: SourceRow[];

beforeAll(async () => {
  ctx = await createEtlTestContext();
  const today = DateTime.now().setZone(ZONE).startOf('day');
  source = Array.from({ length: 60 }, (_, i) => demoRows(table, today.minus({ days: i }).toISODate()!)).flat();
  await insertSourceRows(ctx.source, table, source);
}, 120_000);
afterAll(async () => {
  await ctx?.close();
});

const stagingOf = (runId: string) => `etl_staging."${table}_${runId.replace(/-/g, '')}"`;
const crashTruncate = (runId: string) => ctx.db.query(`TRUNCATE ${stagingOf(runId)}`);
const rowsStaged = async (runId: string) =>
  Number(
    (await ctx.db.query('SELECT rows_staged FROM etl_extract_checkpoints WHERE run_id = $1', [runId])).rows[0]
      ?.rows_staged ?? -1,
  );

/** The target's rows equal to the source's, column by column (as text), and nothing staged left. */
async function expectTargetEqualsSource() {
  const key = (row: Record<string, unknown>) => `${String(row.fecha_foto)}|${String(row.archivo)}`;
  const stored = await targetRows(ctx.db, table);
  expect(stored.map(key).sort()).toEqual(source.map(key).sort());
  const byKey = new Map(stored.map((row) => [key(row), row]));
  for (const row of source) {
    const target = byKey.get(key(row))!;
    for (const column of EVOLUTION_DATA.columns.filter((c) => ['DATE', 'INT64', 'STRING'].includes(c.type))) {
      expect([column.name, target[column.name]]).toEqual([column.name, row[column.name] ?? null]);
    }
  }
  const { rows } = await ctx.db.query(
    "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'etl_staging'",
  );
  expect(rows[0]!.n).toBe(0);
}

describe('unlogged staging emptied by a PostgreSQL crash', () => {
  it('is unlogged', async () => {
    const runId = '00000000-0000-4000-8000-0000000000a0';
    await ensureCheckpoint(ctx.db, runId, EVOLUTION_DATA, window);
    const { rows } = await ctx.db.query(
      `SELECT relpersistence FROM pg_class WHERE oid = '${stagingOf(runId).replace(/'/g, "''")}'::regclass`,
    );
    expect(rows[0]!.relpersistence).toBe('u');
    await ctx.activitiesByQueue.etl.finishEtlRun({ runId, status: 'canceled' });
  });

  it('behind an interrupted extract: the resumed extract queries again, the merge loads the source', async () => {
    const runId = '00000000-0000-4000-8000-0000000000a1';
    const { beginEtlRun, extractEtlTable, mergeEtlTable } = ctx.activitiesByQueue.etl;
    await beginEtlRun({
      runId,
      workflowId: `test/${runId}`,
      table,
      mode: 'force',
      startedAt: new Date().toISOString(),
    });
    const first = new MockActivityEnvironment();
    first.on('heartbeat', (details: { phase?: string; page?: number }) => {
      if (details?.phase === 'extract' && (details.page ?? 0) >= 2) first.cancel();
    });
    await expect(first.run(extractEtlTable, { runId, table, window, pageSize: 2 })).rejects.toThrow();
    const interruptedJob = (
      await ctx.db.query('SELECT bq_job_id FROM etl_extract_checkpoints WHERE run_id = $1', [runId])
    ).rows[0]!.bq_job_id as string;
    expect(await rowsStaged(runId)).toBeGreaterThanOrEqual(4);
    await crashTruncate(runId);

    const resumed: ExtractResult = await new MockActivityEnvironment({ attempt: 2 }).run(extractEtlTable, {
      runId,
      table,
      window,
      pageSize: 50,
    });
    expect(resumed).toMatchObject({ rows: source.length, requeried: 1 });
    expect(resumed.jobId).not.toBe(interruptedJob);
    const merged = await new MockActivityEnvironment().run(mergeEtlTable, {
      runId,
      table,
      mode: 'force' as const,
      window,
    });
    expect(merged).toMatchObject({ inserted: source.length, updated: 0, deleted: 0 });
    await expectTargetEqualsSource();
    await ctx.db.query(`DELETE FROM "${table}"`);
    await ctx.db.query('DELETE FROM etl_watermarks WHERE table_name = $1', [table]);
  });

  it('after the extract finished: the merge fails StagingLost, the run extracts again and loads the source', async () => {
    const taskQueue = ctx.uniqueQueue('etl-staging-lost');
    const activities = ctx.activitiesByQueue.etl;
    let merges = 0;
    const crashingBeforeFirstMerge = {
      ...activities,
      async mergeEtlTable(input: Parameters<typeof activities.mergeEtlTable>[0]) {
        if (merges++ === 0) {
          expect(await rowsStaged(input.runId)).toBe(source.length);
          await crashTruncate(input.runId);
        }
        return activities.mergeEtlTable(input);
      },
    };
    await ctx.withWorkers([{ taskQueue, activities: crashingBeforeFirstMerge }], async () => {
      const handle = await ctx.client.workflow.start('etlTable', {
        taskQueue,
        workflowId: `etl-table/${table}/force/staging-lost-${taskQueue}`,
        args: [{ table, mode: 'force', timeZone: ZONE, pageSize: 50 }],
        typedSearchAttributes: [{ key: PIPELINE, value: 'etl' }],
      });
      const result = (await handle.result()) as EtlTableResult;
      expect(merges).toBe(2);
      expect(result.extract).toMatchObject({ rows: source.length });
      expect(result.merge).toMatchObject({ inserted: source.length, updated: 0, deleted: 0 });
      const history = await handle.fetchHistory();
      const extracts = history.events!.filter(
        (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'extractEtlTable',
      );
      expect(extracts).toHaveLength(2);
    });
    await expectTargetEqualsSource();
    const log = await logRows(ctx.db, table);
    expect(log.filter((row) => row.status === 'succeeded')).toHaveLength(2);
    expect(log.filter((row) => row.status === 'running')).toHaveLength(0);
  });
});
