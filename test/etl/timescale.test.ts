import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { DateTime } from 'luxon';
import { createEtlActivities } from '../../activities/etl';
import { checkStorage, validateTargets } from '../../data/etl/storage';
import { createDatabase, type Database } from '../../lib/db';
import { withFailureMapping } from '../../lib/errors';
import { migrate } from '../../lib/migrate';
import { PIPELINE } from '../../lib/search-attributes';
import { Secret } from '../../lib/secret';
import { demoRows } from '../../local/demo-data/etl';
import { insertSourceRows } from '../../local/etl-source';
import type { EtlTableResult } from '../../workflows/etl';
import { startTimescale, type TimescaleProcess } from '../fixtures/timescale-process';
import { createEtlTestContext, type EtlTestContext } from './harness';

/**
 * A real TimescaleDB: PGlite's TimescaleDB build (PostgreSQL 17.5, TimescaleDB 2.23 in WASM),
 * served to `pg` over the wire protocol (one connection at a time). The migrations detect the
 * extension and lay out the hypertables and retention policies (`optimal`); one ETL load goes
 * into chunks; a second identical load writes nothing. The rest of the suite is plain PostgreSQL.
 */
const run = promisify(execFile);
const ZONE = 'America/Santiago';
let ctx: EtlTestContext;
let server: TimescaleProcess | undefined;
let url: Secret;

let db: Database;

beforeAll(async () => {
  ctx = await createEtlTestContext();
  server = await startTimescale();
  url = new Secret(`postgres://postgres:postgres@${server.address}/postgres`);
  await migrate(url);
  db = createDatabase({ url, max: 1 });
}, 120_000);
afterAll(async () => {
  await db?.close();
  await server?.stop();
  await ctx?.close();
});

describe('the ETL on TimescaleDB', () => {
  it('is optimal after the migrations: every hypertable and retention policy in place', async () => {
    expect(await checkStorage(db)).toEqual({ mode: 'optimal', timescaledb: true, missing: [] });
    expect(Object.values(await validateTargets(db)).flat()).toEqual([]);
    const { rows } = await db.query(
      "SELECT hypertable_name AS name, config->>'drop_after' AS drop_after FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention' ORDER BY 1",
    );
    expect(rows).toEqual([
      { name: 'dashboard_data', drop_after: '2 years' },
      { name: 'etl_execution_log', drop_after: '6 mons' },
      { name: 'evolution_data', drop_after: '2 years' },
      { name: 'operation_data', drop_after: '1 year' },
      { name: 'productivity_data', drop_after: '2 years' },
      // schemas/0007_telemetry_timescale.sql (test/telemetry/timescale.test.ts)
      { name: 'telemetry_raw_readings', drop_after: '30 days' },
    ]);
  });

  it('loads a table into chunks, and a second identical load writes nothing', async () => {
    const table = 'dashboard_data';
    const today = DateTime.now().setZone(ZONE).startOf('day');
    const source = Array.from({ length: 15 }, (_, i) => demoRows(table, today.minus({ days: i }).toISODate()!)).flat();
    await insertSourceRows(ctx.source, table, source);
    const taskQueue = ctx.uniqueQueue('etl-timescale');
    // PGlite over a socket has no COPY FROM STDIN: pages are staged with INSERT (ETL_STAGING_WRITE=insert).
    const config = { ...ctx.config, etl: { stagingWrite: 'insert' as const } };
    const activities = withFailureMapping(createEtlActivities({ config, db }));
    const load = (n: number) =>
      ctx.client.workflow.execute('etlTable', {
        taskQueue,
        workflowId: `etl-table/${table}/incremental/timescale-${n}-${taskQueue}`,
        args: [{ table, timeZone: ZONE, pageSize: 100 }],
        typedSearchAttributes: [{ key: PIPELINE, value: 'etl' }],
      }) as Promise<EtlTableResult>;
    const [first, second] = await ctx.withWorkers([{ taskQueue, activities }], async () => [
      await load(1),
      await load(2),
    ]);
    expect(first.merge).toMatchObject({ inserted: source.length, updated: 0, deleted: 0 });
    expect(second.merge).toMatchObject({ inserted: 0, updated: 0, deleted: 0 });
    const chunks = await db.query(
      "SELECT count(*)::int AS n FROM timescaledb_information.chunks WHERE hypertable_name = 'dashboard_data'",
    );
    expect(chunks.rows[0]!.n).toBeGreaterThanOrEqual(2);
    const log = await db.query("SELECT status FROM etl_execution_log WHERE table_name = 'dashboard_data'");
    expect(log.rows).toEqual([{ status: 'succeeded' }, { status: 'succeeded' }]);
  }, 120_000);

  it('etl:setup check prints optimal', async () => {
    // One connection at a time: the test's pool lets go of its connection first.
    await db.close();
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', path.resolve(__dirname, '../../scripts/etl-setup.ts'), 'check'],
      { env: { ...process.env, DATABASE_URL: url.reveal(), LOG_LEVEL: 'silent' } },
    );
    expect(stdout).toBe('Overall Status: optimal\n');
    db = createDatabase({ url, max: 1 });
  });
});
