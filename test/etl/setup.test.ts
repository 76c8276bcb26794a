import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { DateTime } from 'luxon';
import { checkStorage, validateTargets } from '../../data/etl/storage';
import { applySchedules } from '../../schedules/apply';
import { etlSchedules } from '../../schedules/etl';
import { PIPELINE } from '../../lib/search-attributes';
import { createTestContext, type TestContext } from '../harness/context';

/**
 * Storage set-up on plain PostgreSQL (the embedded one): `basic`, every target table valid against
 * the registry (and a changed column caught), `etl:setup` printing it, the daily retention job
 * deleting the ages TimescaleDB would drop, and the schedules firing in office hours.
 */
const run = promisify(execFile);
const ZONE = 'America/Santiago';
let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const setup = (command: string) =>
  run(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../scripts/etl-setup.ts'), command], {
    env: { ...process.env, DATABASE_URL: ctx.databaseUrl.reveal(), LOG_LEVEL: 'silent' },
  });

describe('ETL storage on plain PostgreSQL', () => {
  it('is basic, and every target table matches the registry', async () => {
    expect(await checkStorage(ctx.db)).toEqual({ mode: 'basic', timescaledb: false, missing: [] });
    expect(Object.values(await validateTargets(ctx.db)).flat()).toEqual([]);
    const { stdout } = await setup('check');
    expect(stdout).toBe('Overall Status: basic\n');
  });

  it('validate names a column whose type no longer matches, and fails', async () => {
    await ctx.db.query('ALTER TABLE evolution_data ALTER COLUMN cuentas TYPE integer');
    expect((await validateTargets(ctx.db)).evolution_data).toEqual([
      'evolution_data.cuentas is integer, declared bigint',
    ]);
    const failure = await setup('validate').then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toContain('dashboard_data: valid');
    expect(failure?.stdout).toContain('evolution_data: evolution_data.cuentas is integer, declared bigint');
    await ctx.db.query('ALTER TABLE evolution_data ALTER COLUMN cuentas TYPE bigint');
  });

  it('deletes rows past their retention daily (etlRetention), keeping the rest', async () => {
    const day = (years: number, days = 0) =>
      DateTime.now().setZone(ZONE).startOf('day').minus({ years, days }).toISODate()!;
    await ctx.db.query(
      `INSERT INTO operation_data (fecha_foto, hora, canal, archivo, gestiones, actualizado_en)
       VALUES ($1, 9, 'sms', 'A', 1, now()), ($2, 9, 'sms', 'A', 1, now())`,
      [day(1, 2), day(0, 300)],
    );
    await ctx.db.query(
      `INSERT INTO etl_execution_log (run_id, started_at, workflow_id, table_name, mode, status)
       VALUES ('old', now() - interval '7 months', 'w', 'dashboard_data', 'incremental', 'succeeded'),
              ('new', now() - interval '5 months', 'w', 'dashboard_data', 'incremental', 'succeeded')`,
    );
    const taskQueue = ctx.uniqueQueue('etl-retention');
    const result = await ctx.withWorkers([{ taskQueue, activities: ctx.activitiesByQueue.etl }], () =>
      ctx.client.workflow.execute('etlRetention', {
        taskQueue,
        workflowId: `etl-retention/test-${taskQueue}`,
        args: [{ timeZone: ZONE }],
        typedSearchAttributes: [{ key: PIPELINE, value: 'etl' }],
      }),
    );
    expect(result).toMatchObject({ mode: 'basic', deleted: { operation_data: 1, etl_execution_log: 1 } });
    const { rows } = await ctx.db.query('SELECT fecha_foto::text FROM operation_data');
    expect(rows).toEqual([{ fecha_foto: day(0, 300) }]);
    const log = await ctx.db.query('SELECT run_id FROM etl_execution_log');
    expect(log.rows).toEqual([{ run_id: 'new' }]);
  });
});

describe('the ETL schedules', () => {
  it('run each table in office hours (07:00–20:30, Monday–Saturday) and at 03:00, in PIPELINES_TZ', async () => {
    const context = { timeZone: ZONE };
    const declarations = etlSchedules(context).map((d) => ({ ...d, id: `${d.id}-${ctx.uniqueQueue('t')}` }));
    expect(declarations).toHaveLength(6);
    const owner = ctx.uniqueQueue('etl-schedules-test');
    await applySchedules(ctx.client, declarations, context, { owner });
    try {
      const description = await ctx.client.schedule.getHandle(declarations[1]!.id).describe();
      expect(description.policies.overlap).toBe('SKIP');
      expect(description.info.nextActionTimes.length).toBeGreaterThan(0);
      for (const time of description.info.nextActionTimes) {
        const local = DateTime.fromJSDate(time, { zone: ZONE });
        const officeHours = local.weekday <= 6 && local.hour >= 7 && local.hour <= 20;
        expect(officeHours || local.hour === 3).toBe(true);
        expect(local.minute % 30).toBe(2); // evolution_data starts two minutes after dashboard_data
      }
    } finally {
      for (const declaration of declarations) await ctx.client.schedule.getHandle(declaration.id).delete();
    }
  });
});
