import { WorkflowFailedError } from '@temporalio/client';
import { createEtlActivities } from '../../activities/etl';
import { withFailureMapping } from '../../lib/errors';
import { DateTime } from 'luxon';
import {
  ASSIGNMENT_DATA,
  DASHBOARD_DATA,
  EVOLUTION_DATA,
  OPERATION_DATA,
  PRODUCTIVITY_DATA,
} from '../../lib/etl/registry';
import { etlTableWorkflowId } from '../../lib/etl/window';
import { PIPELINE } from '../../lib/search-attributes';
import {
  createSourceTable,
  dropSourceTable,
  insertSourceRows,
  runSourceDml,
  type SourceRow,
} from '../../local/etl-source';
import type { EtlTableInput, EtlTableResult } from '../../workflows/etl';
import { createEtlTestContext, logRows, rowVersions, targetRows, type EtlTestContext } from './harness';

/**
 * The ETL against the real emulator, PostgreSQL and Temporal: exact types, incremental windows
 * with lookback and deletions, a second identical run writing nothing, the SuspiciousDeletion
 * guard, rejects and schema drift. Dates derive from today, never from the calendar.
 */
const ZONE = 'America/Santiago';
let ctx: EtlTestContext;
let taskQueue: string;
let seq = 0;

beforeAll(async () => {
  ctx = await createEtlTestContext();
  taskQueue = ctx.uniqueQueue('etl');
});
afterAll(() => ctx.close());

const day = (offset: number) => DateTime.now().setZone(ZONE).startOf('day').plus({ days: offset }).toISODate()!;
const fq = (table: string) => `\`${ctx.source.projectId}.${ctx.dataset}.${table}\``;

async function runTable(input: Omit<EtlTableInput, 'timeZone'>): Promise<EtlTableResult> {
  return ctx.withWorkers([{ taskQueue, activities: ctx.activitiesByQueue.etl }], () =>
    ctx.client.workflow.execute('etlTable', {
      taskQueue,
      workflowId: `${etlTableWorkflowId(input.table, input.mode ?? 'incremental', 'test')}-${++seq}-${taskQueue}`,
      args: [{ timeZone: ZONE, pageSize: 7, ...input }],
      typedSearchAttributes: [{ key: PIPELINE, value: 'etl' }],
    }),
  );
}

async function failureOf(promise: Promise<unknown>): Promise<{ type?: string; message: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  let cause = (error as WorkflowFailedError).cause as { cause?: unknown; type?: string; message: string } | undefined;
  while (cause?.cause) cause = cause.cause as typeof cause;
  return { type: cause?.type, message: cause?.message ?? '' };
}

/** The first days on each side of the next DST change in PIPELINES_TZ, whatever today is. */
function dstDays(): string[] {
  let d = DateTime.now().setZone(ZONE).startOf('day');
  for (let i = 0; i < 400; i++) {
    const next = d.plus({ days: 1 });
    if (next.offset !== d.offset) return [d.toISODate()!, next.toISODate()!];
    d = next;
  }
  return [];
}

const evolution = (offset: number, archivo: string, recovered: string): SourceRow => ({
  fecha_foto: day(offset),
  archivo,
  dia_gestion: String(20 + offset),
  cuentas: '100',
  deuda: '1000.5',
  monto_recuperado: recovered,
  tasa_recupero: 0.25,
  contactabilidad: null,
  actualizado_en: `${day(offset)}T08:00:00.000001Z`,
});

describe('the ETL of one table', () => {
  it('round-trips every BigQuery type exactly (INT64 > 2^53, 38-digit NUMERIC, µs TIMESTAMP, DST-day DATEs)', async () => {
    const [before, after] = dstDays();
    const rows: SourceRow[] = [
      {
        fecha_foto: before!,
        archivo: 'tab\there\\ "quoted"\nline ñandú',
        cartera: 'A',
        servicio: 'movil',
        cuentas: '9223372036854775807',
        clientes: '9007199254740993',
        deuda_asignada: '12345678901234567890123456789.123456789',
        deuda_actual: '-99999999999999999999999999999.999999999',
        monto_recuperado: '0.000000001',
        pagos: '-9007199254740993',
        contactabilidad: 0.1,
        tasa_recupero: 1.5e300,
        es_cierre: true,
        actualizado_en: '2026-03-08T03:59:59.123456Z',
      },
      {
        fecha_foto: after!,
        archivo: 'B',
        cartera: 'A',
        servicio: 'fijo',
        cuentas: '1',
        clientes: null,
        deuda_asignada: null,
        deuda_actual: null,
        monto_recuperado: null,
        pagos: null,
        contactabilidad: null,
        tasa_recupero: null,
        es_cierre: false,
        actualizado_en: '1969-12-31T23:59:59.999999Z',
      },
    ];
    await insertSourceRows(ctx.source, DASHBOARD_DATA.name, rows);
    const result = await runTable({ table: DASHBOARD_DATA.name, mode: 'force' });
    expect(result.merge).toMatchObject({ inserted: 2, updated: 0, deleted: 0 });
    const { rows: stored } = await ctx.db.query(
      `SELECT fecha_foto::text, archivo, cuentas::text, clientes::text, deuda_asignada::text, deuda_actual::text,
              monto_recuperado::text, pagos::text, contactabilidad, tasa_recupero, es_cierre,
              to_char(actualizado_en AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS ts
       FROM dashboard_data ORDER BY fecha_foto`,
    );
    expect(stored).toEqual([
      {
        fecha_foto: before,
        archivo: rows[0]!.archivo,
        cuentas: '9223372036854775807',
        clientes: '9007199254740993',
        deuda_asignada: '12345678901234567890123456789.123456789',
        deuda_actual: '-99999999999999999999999999999.999999999',
        monto_recuperado: '0.000000001',
        pagos: '-9007199254740993',
        contactabilidad: 0.1,
        tasa_recupero: 1.5e300,
        es_cierre: true,
        ts: '2026-03-08T03:59:59.123456',
      },
      {
        fecha_foto: after,
        archivo: 'B',
        cuentas: '1',
        clientes: null,
        deuda_asignada: null,
        deuda_actual: null,
        monto_recuperado: null,
        pagos: null,
        contactabilidad: null,
        tasa_recupero: null,
        es_cierre: false,
        ts: '1969-12-31T23:59:59.999999',
      },
    ]);
  }, 120_000);

  it('stages the same exact values with INSERT as with COPY (ETL_STAGING_WRITE=insert)', async () => {
    const before = await rowVersions(ctx.db, DASHBOARD_DATA.name);
    const config = { ...ctx.config, etl: { stagingWrite: 'insert' as const } };
    const insertQueue = ctx.uniqueQueue('etl-insert');
    const result: EtlTableResult = await ctx.withWorkers(
      [{ taskQueue: insertQueue, activities: withFailureMapping(createEtlActivities({ config, db: ctx.db })) }],
      () =>
        ctx.client.workflow.execute('etlTable', {
          taskQueue: insertQueue,
          workflowId: `etl-table/dashboard_data/force/insert-${insertQueue}`,
          args: [{ table: DASHBOARD_DATA.name, mode: 'force', timeZone: ZONE, pageSize: 7 }],
          typedSearchAttributes: [{ key: PIPELINE, value: 'etl' }],
        }),
    );
    expect(result.merge).toMatchObject({ inserted: 0, updated: 0, unchanged: 2, deleted: 0 });
    expect(await rowVersions(ctx.db, DASHBOARD_DATA.name)).toEqual(before);
  });

  it('loads incrementally with lookback: revisions and deletions inside the window only, and a second run writes nothing', async () => {
    const table = EVOLUTION_DATA.name;
    const rows = [];
    for (let offset = -12; offset <= 0; offset++)
      for (const archivo of ['F1', 'F2']) rows.push(evolution(offset, archivo, '10'));
    await insertSourceRows(ctx.source, table, rows);

    const first = await runTable({ table });
    expect(first.window).toEqual({ from: null, to: null });
    expect(first.merge).toMatchObject({ inserted: 26, updated: 0, unchanged: 0, deleted: 0, watermark: day(0) });

    // The same window again: nothing is written (row versions stay), and the log says so.
    const versions = await rowVersions(ctx.db, table);
    const second = await runTable({ table });
    expect(second.window).toEqual({ from: day(-EVOLUTION_DATA.lookbackDays), to: null });
    expect(second.merge).toMatchObject({ inserted: 0, updated: 0, deleted: 0, unchanged: 8 });
    expect(await rowVersions(ctx.db, table)).toEqual(versions);

    // Upstream revises a row inside the lookback and one outside it, deletes one inside, adds one.
    await runSourceDml(
      ctx.source,
      `UPDATE ${fq(table)} SET monto_recuperado = 99 WHERE archivo = 'F1' AND fecha_foto IN ('${day(-1)}', '${day(-10)}')`,
    );
    await runSourceDml(ctx.source, `DELETE FROM ${fq(table)} WHERE archivo = 'F2' AND fecha_foto = '${day(-2)}'`);
    await insertSourceRows(ctx.source, table, [evolution(1, 'F1', '5')]);
    const third = await runTable({ table });
    expect(third.merge).toMatchObject({ inserted: 1, updated: 1, deleted: 1, unchanged: 6, watermark: day(1) });
    const stored = await targetRows(ctx.db, table);
    const amount = (offset: number, archivo: string) =>
      stored.find((row) => row.fecha_foto === day(offset) && row.archivo === archivo)?.monto_recuperado;
    expect(amount(-1, 'F1')).toBe('99.000000000');
    expect(amount(-10, 'F1')).toBe('10.000000000');
    expect(amount(-2, 'F2')).toBeUndefined();
    expect(stored).toHaveLength(26);

    const log = await logRows(ctx.db, table);
    expect(log.map((row) => row.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(log.map((row) => [row.inserted, row.updated, row.unchanged, row.deleted].map(Number))).toEqual([
      [26, 0, 0, 0],
      [0, 0, 8, 0],
      [1, 1, 6, 1],
    ]);
  }, 180_000);

  it('refuses to empty the window when upstream comes back empty (SuspiciousDeletion), unless forced', async () => {
    const table = EVOLUTION_DATA.name;
    const before = await targetRows(ctx.db, table);
    await runSourceDml(ctx.source, `DELETE FROM ${fq(table)} WHERE fecha_foto >= '${day(-5)}'`);
    const failure = await failureOf(runTable({ table }));
    expect(failure.type).toBe('SuspiciousDeletion');
    expect(await targetRows(ctx.db, table)).toEqual(before);
    expect((await logRows(ctx.db, table)).at(-1)).toMatchObject({ status: 'failed' });
    const { rows: staging } = await ctx.db.query(
      "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'etl_staging'",
    );
    expect(staging[0]!.n).toBe(0);

    const forced = await runTable({ table, mode: 'force' });
    expect(forced.merge.deleted).toBeGreaterThan(0);
    expect((await targetRows(ctx.db, table)).every((row) => row.fecha_foto! < day(-5))).toBe(true);
  }, 180_000);

  it('backfills an explicit range and never moves the watermark back', async () => {
    const table = ASSIGNMENT_DATA.name;
    const month = (offset: number) =>
      DateTime.now().setZone(ZONE).startOf('month').plus({ months: offset }).toISODate()!;
    const row = (offset: number, cartera: string): SourceRow => ({
      periodo: month(offset),
      archivo: 'A1',
      cartera,
      fecha_asignacion: month(offset),
      clientes: '10',
      cuentas: '12',
      deuda_asignada: '5000',
      ticket_promedio: '416.666666667',
      es_refuerzo: false,
      actualizado_en: `${month(offset)}T00:00:00Z`,
    });
    await insertSourceRows(ctx.source, table, [row(-3, 'X'), row(-2, 'X'), row(0, 'X')]);
    await runTable({ table });
    await insertSourceRows(ctx.source, table, [row(-3, 'Y')]);
    const backfill = await runTable({ table, mode: 'backfill', start: month(-3), end: month(-3) });
    expect(backfill.merge).toMatchObject({ inserted: 1, unchanged: 1, deleted: 0, watermark: month(0) });
  }, 120_000);

  it('keeps rows with a null key out of the target, counted and stored in etl_rejects', async () => {
    const table = PRODUCTIVITY_DATA;
    await dropSourceTable(ctx.source, table.name);
    await createSourceTable(
      ctx.source,
      table,
      table.columns.map((c) => ({ name: c.name, type: c.type, mode: 'NULLABLE' })),
    );
    const agent = (email: string | null, archivo: string | null): SourceRow => ({
      fecha_foto: day(-1),
      correo_agente: email,
      archivo,
      nombre_agente: 'Ana',
      gestiones: '40',
      contactos: '12',
      compromisos: '3',
      monto_recuperado: '150000',
      tiempo_conectado_seg: '28800',
      tasa_contacto: 0.3,
      actualizado_en: `${day(-1)}T20:00:00Z`,
    });
    await insertSourceRows(ctx.source, table.name, [
      agent('ana@x.cl', 'P1'),
      agent(null, 'P1'),
      agent('bo@x.cl', null),
    ]);
    const result = await runTable({ table: table.name });
    expect(result.extract).toMatchObject({ rows: 1, rejected: 2 });
    expect(await targetRows(ctx.db, table.name)).toHaveLength(1);
    const { rows } = await ctx.db.query('SELECT reason FROM etl_rejects WHERE table_name = $1 ORDER BY reason', [
      table.name,
    ]);
    expect(rows.map((r) => r.reason)).toEqual(['null key: archivo', 'null key: correo_agente']);
  }, 120_000);

  it('fails at once with SchemaMismatch for a missing column or a changed type; reports a new column', async () => {
    const table = OPERATION_DATA;
    const declared = table.columns.map((c) => ({ name: c.name, type: c.type as string, mode: 'NULLABLE' }));
    const recreate = async (fields: typeof declared) => {
      await dropSourceTable(ctx.source, table.name);
      await createSourceTable(ctx.source, table, fields);
    };

    await recreate(declared.filter((f) => f.name !== 'compromisos'));
    const missing = await failureOf(runTable({ table: table.name }));
    expect(missing).toMatchObject({ type: 'SchemaMismatch' });
    expect(missing.message).toContain('column compromisos is missing upstream');

    await recreate(declared.map((f) => (f.name === 'hora' ? { ...f, type: 'STRING' } : f)));
    const changed = await failureOf(runTable({ table: table.name }));
    expect(changed.message).toContain('column hora is STRING upstream, declared INT64');

    await recreate([...declared, { name: 'supervisor', type: 'STRING', mode: 'NULLABLE' }]);
    const added = await runTable({ table: table.name });
    expect(added.extract.addedColumns).toEqual(['supervisor']);
    const { rows } = await ctx.db.query(
      'SELECT schema_notes FROM etl_execution_log WHERE table_name = $1 AND status = $2',
      [table.name, 'succeeded'],
    );
    expect(rows[0]!.schema_notes).toContain('supervisor');
    expect((await logRows(ctx.db, table.name)).map((r) => r.status)).toEqual(['failed', 'failed', 'succeeded']);
  }, 120_000);

  it('fails at once with SchemaMismatch when the key declared upstream (tableConstraints.primaryKey) changes', async () => {
    const table = OPERATION_DATA;
    const fields = table.columns.map((c) => ({ name: c.name, type: c.type as string, mode: 'NULLABLE' }));
    // The emulator keeps a table's primary key and answers it in tables.get, as BigQuery does.
    const recreate = async (key: string[]) => {
      await dropSourceTable(ctx.source, table.name);
      await ctx.source.client
        .dataset(ctx.source.dataset)
        .createTable(table.name, { schema: { fields }, tableConstraints: { primaryKey: { columns: key } } });
      const [metadata] = await ctx.source.client.dataset(ctx.source.dataset).table(table.name).getMetadata();
      expect(metadata.tableConstraints).toEqual({ primaryKey: { columns: key } });
    };
    const before = (await logRows(ctx.db, table.name)).length;

    await recreate([...table.key].reverse());
    const same = await runTable({ table: table.name, mode: 'force' });
    expect(same.extract.rows).toBe(0);

    await recreate(['fecha_foto', 'hora', 'canal']);
    const changed = await failureOf(runTable({ table: table.name, mode: 'force' }));
    expect(changed).toMatchObject({ type: 'SchemaMismatch' });
    expect(changed.message).toContain(
      'key is (fecha_foto, hora, canal) upstream, declared (fecha_foto, hora, canal, archivo)',
    );
    expect((await logRows(ctx.db, table.name)).slice(before).map((r) => r.status)).toEqual(['succeeded', 'failed']);
  }, 120_000);

  it('loads a key repeated upstream once, the row upstream computed last winning, and counts distinct keys', async () => {
    const table = EVOLUTION_DATA;
    await dropSourceTable(ctx.source, table.name);
    await createSourceTable(ctx.source, table);
    await ctx.db.query(`DELETE FROM "${table.name}"`);
    // The newer revision of D1 is written first: arrival order does not decide, actualizado_en does.
    const revised = { ...evolution(-1, 'D1', '20'), actualizado_en: `${day(-1)}T09:00:00Z` };
    await insertSourceRows(ctx.source, table.name, [revised, evolution(-1, 'D2', '30')]);
    await insertSourceRows(ctx.source, table.name, [evolution(-1, 'D1', '10')]);

    const first = await runTable({ table: table.name, mode: 'force' });
    expect(first.extract.rows).toBe(3);
    expect(first.merge).toMatchObject({ inserted: 2, updated: 0, unchanged: 0, deleted: 0, duplicatesDropped: 1 });
    // The log says where the third extracted row went: rows_extracted = inserted + updated + unchanged + dropped.
    const { rows: logged } = await ctx.db.query(
      `SELECT rows_extracted, duplicates_dropped FROM etl_execution_log WHERE table_name = $1
        ORDER BY started_at DESC LIMIT 1`,
      [table.name],
    );
    expect(logged[0]).toEqual({ rows_extracted: 3n, duplicates_dropped: 1n });
    const amounts = (await targetRows(ctx.db, table.name)).map((row) => [row.archivo, row.monto_recuperado]);
    expect(amounts).toEqual([
      ['D1', '20.000000000'],
      ['D2', '30.000000000'],
    ]);
    const versions = await rowVersions(ctx.db, table.name);
    const second = await runTable({ table: table.name, mode: 'force' });
    expect(second.merge).toMatchObject({ inserted: 0, updated: 0, unchanged: 2, deleted: 0, duplicatesDropped: 1 });
    expect(await rowVersions(ctx.db, table.name)).toEqual(versions);
  });
});
