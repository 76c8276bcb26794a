import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compareSchema, normalizeType } from '../../lib/etl/drift';
import {
  copyField,
  copyLine,
  encodeRow,
  microsToIso,
  plainDecimal,
  timestampText,
  valueText,
} from '../../lib/etl/encode';
import { MAX_DELETE_SHARE, suspiciousDeletion } from '../../lib/etl/guard';
import { ASSIGNMENT_DATA, DASHBOARD_DATA, ETL_TABLES, EVOLUTION_DATA, findTable } from '../../lib/etl/registry';
import { extractionQuery, mergeStatements, targetDdl } from '../../lib/etl/sql';
import { hypertableLayouts, timescaleLayoutSql } from '../../lib/etl/timescale';
import { compareTargetSchema } from '../../lib/etl/validate';
import { etlTableWorkflowId, nextWatermark, windowFor, windowKey } from '../../lib/etl/window';

/** The ETL's pure parts: registry-derived SQL, exact value encoding, windows, the guard, drift. */

describe('the table registry', () => {
  it('declares the seed keys, each starting with the incremental column (the hypertable partition)', () => {
    expect(Object.fromEntries(ETL_TABLES.map((t) => [t.name, t.key]))).toEqual({
      dashboard_data: ['fecha_foto', 'archivo', 'cartera', 'servicio'],
      evolution_data: ['fecha_foto', 'archivo'],
      assignment_data: ['periodo', 'archivo', 'cartera'],
      operation_data: ['fecha_foto', 'hora', 'canal', 'archivo'],
      productivity_data: ['fecha_foto', 'correo_agente', 'archivo'],
    });
    for (const table of ETL_TABLES) {
      expect(table.key[0]).toBe(table.incrementalColumn);
      for (const name of table.key) expect(table.columns.map((c) => c.name)).toContain(name);
    }
    expect([DASHBOARD_DATA.lookbackDays, EVOLUTION_DATA.lookbackDays]).toEqual([7, 3]);
    expect(findTable('nope')).toBeUndefined();
  });

  it('is what the migration creates (targetDdl of every declaration is in schemas/0004_etl.sql)', () => {
    const migration = readFileSync(path.resolve(__dirname, '../../schemas/0004_etl.sql'), 'utf8');
    for (const table of ETL_TABLES) expect(migration).toContain(targetDdl(table));
  });

  it('uses every BigQuery type a real table has', () => {
    const types = new Set(ETL_TABLES.flatMap((t) => t.columns.map((c) => c.type)));
    expect([...types].sort()).toEqual(['BOOL', 'DATE', 'FLOAT64', 'INT64', 'NUMERIC', 'STRING', 'TIMESTAMP']);
  });
});

describe('derived SQL', () => {
  it('extracts a window with STRING parameters cast to DATE, and everything without bounds', () => {
    const q = extractionQuery(EVOLUTION_DATA, 'p', 'd', { from: '2026-01-01', to: '2026-01-31' });
    expect(q.query).toBe(
      'SELECT `fecha_foto`, `archivo`, `dia_gestion`, `cuentas`, `deuda`, `monto_recuperado`, `tasa_recupero`, `contactabilidad`, `actualizado_en` ' +
        'FROM `p.d.evolution_data` WHERE `fecha_foto` >= CAST(@window_from AS DATE) AND `fecha_foto` <= CAST(@window_to AS DATE)',
    );
    expect(q.params).toEqual({ window_from: '2026-01-01', window_to: '2026-01-31' });
    expect(extractionQuery(EVOLUTION_DATA, 'p', 'd', { from: null, to: null })).toMatchObject({
      params: {},
      types: {},
    });
  });

  it('upserts only changed rows and deletes only the window rows the source lacks', () => {
    const sql = mergeStatements(EVOLUTION_DATA, 'evolution_data_abc');
    expect(sql.upsert).toContain(
      'ON CONFLICT ("fecha_foto", "archivo") DO UPDATE SET "dia_gestion" = EXCLUDED."dia_gestion"',
    );
    expect(sql.upsert).toContain('IS DISTINCT FROM (EXCLUDED."dia_gestion"');
    expect(sql.upsert).not.toContain('DISTINCT ON');
    expect(sql.upsertDeduplicated).toContain('DISTINCT ON ("fecha_foto", "archivo")');
    expect(sql.upsertDeduplicated).toContain('IS DISTINCT FROM (EXCLUDED."dia_gestion"');
    expect(sql.deleteMissing).toContain('t."fecha_foto" >= $1::date');
    expect(sql.deleteMissing).toContain(
      'NOT EXISTS (SELECT 1 FROM etl_staging."evolution_data_abc" s WHERE s."fecha_foto" = t."fecha_foto" AND s."archivo" = t."archivo")',
    );
  });
});

describe('value encoding', () => {
  it('writes decimals in plain notation, exactly', () => {
    expect(plainDecimal('1.5E+3')).toBe('1500');
    expect(plainDecimal('1.23e-7')).toBe('0.000000123');
    expect(plainDecimal('-0.0')).toBe('0');
    expect(plainDecimal('12345678901234567890123456789.123456789')).toBe('12345678901234567890123456789.123456789');
    expect(plainDecimal('1.2345678901234567890123456789123456789E28')).toBe('12345678901234567890123456789.123456789');
    expect(() => plainDecimal('12a')).toThrow();
  });

  it('keeps TIMESTAMP microseconds, before and after the epoch', () => {
    expect(microsToIso('1772942399123456')).toBe('2026-03-08T03:59:59.123456Z');
    expect(microsToIso('-1')).toBe('1969-12-31T23:59:59.999999Z');
    expect(timestampText('1.772942399123456E9')).toBe('2026-03-08T03:59:59.123456Z');
  });

  it('keeps INT64 beyond 2^53 and DATEs as written; rejects values not of their type', () => {
    expect(valueText('INT64', '9007199254740993')).toBe('9007199254740993');
    expect(valueText('DATE', '2026-04-05')).toBe('2026-04-05');
    expect(valueText('BOOL', 'true')).toBe('true');
    expect(valueText('STRING', null)).toBeNull();
    expect(() => valueText('INT64', '1.5')).toThrow();
    expect(() => valueText('BOOL', 'yes')).toThrow();
  });

  it('escapes COPY text and sends nulls as \\N', () => {
    expect(copyField('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re');
    expect(copyField(null)).toBe('\\N');
  });

  it('rejects a row with a null key or a null required value, with its raw values', () => {
    const values = ['2026-01-01', null, '1', null, null, null, null, null, '1772942399123456'];
    const row = { f: values.map((v) => ({ v })) };
    expect(encodeRow(EVOLUTION_DATA, row)).toMatchObject({ ok: false, reason: 'null key: archivo' });
    values[1] = 'F';
    values[2] = null;
    expect(encodeRow(EVOLUTION_DATA, { f: values.map((v) => ({ v })) })).toMatchObject({
      ok: false,
      reason: 'null in required column: dia_gestion',
    });
    values[2] = '3';
    const encoded = encodeRow(EVOLUTION_DATA, { f: values.map((v) => ({ v })) });
    expect(encoded).toEqual({
      ok: true,
      values: ['2026-01-01', 'F', '3', null, null, null, null, null, '2026-03-08T03:59:59.123456Z'],
    });
    expect(encoded.ok && copyLine(encoded.values)).toBe(
      '2026-01-01\tF\t3\t\\N\t\\N\t\\N\t\\N\t\\N\t2026-03-08T03:59:59.123456Z\n',
    );
  });
});

describe('windows', () => {
  it('starts an incremental run at watermark − lookback, and a first one with everything', () => {
    expect(windowFor(DASHBOARD_DATA, 'incremental', { watermark: '2026-03-05' })).toEqual({
      from: '2026-02-26',
      to: null,
    });
    expect(windowFor(DASHBOARD_DATA, 'incremental', { watermark: null })).toEqual({ from: null, to: null });
    expect(windowFor(DASHBOARD_DATA, 'force', { watermark: '2026-03-05' })).toEqual({ from: null, to: null });
  });

  it('starts a monthly table on the first of a month', () => {
    expect(windowFor(ASSIGNMENT_DATA, 'incremental', { watermark: '2026-03-01' })).toEqual({
      from: '2026-02-01',
      to: null,
    });
    expect(windowFor(ASSIGNMENT_DATA, 'incremental', { watermark: '2026-12-01' }).from).toBe('2026-11-01');
    expect(windowFor(ASSIGNMENT_DATA, 'backfill', { start: '2026-02-15', end: '2026-02-20' })).toEqual({
      from: '2026-02-01',
      to: '2026-02-20',
    });
  });

  it('validates backfill ranges', () => {
    expect(() => windowFor(DASHBOARD_DATA, 'backfill', { start: '2026-02-30', end: '2026-03-01' })).toThrow();
    expect(() => windowFor(DASHBOARD_DATA, 'backfill', { start: '2026-03-02', end: '2026-03-01' })).toThrow();
    expect(() => windowFor(DASHBOARD_DATA, 'backfill', {})).toThrow();
  });

  it('moves the watermark forward only, except a forced run that makes it the source maximum', () => {
    expect(nextWatermark('incremental', '2026-03-05', '2026-03-04')).toBe('2026-03-05');
    expect(nextWatermark('backfill', '2026-03-05', '2026-03-09')).toBe('2026-03-09');
    expect(nextWatermark('incremental', null, null)).toBeNull();
    expect(nextWatermark('force', '2026-03-05', '2026-03-01')).toBe('2026-03-01');
  });

  it('names runs by business id', () => {
    expect(
      etlTableWorkflowId(
        'dashboard_data',
        'backfill',
        windowKey('backfill', { from: '2026-01-01', to: '2026-01-31' }, 'x'),
      ),
    ).toBe('etl-table/dashboard_data/backfill/2026-01-01_2026-01-31');
    expect(windowKey('incremental', { from: null, to: null }, '2026-03-05')).toBe('2026-03-05');
  });
});

describe('the SuspiciousDeletion rule', () => {
  const check = (stagedRows: number, targetRowsInWindow: number, rowsToDelete: number, force = false) =>
    suspiciousDeletion({ stagedRows, targetRowsInWindow, rowsToDelete, force });

  it('stops an empty window over a target that has rows, and deletions over the share', () => {
    expect(check(0, 10, 10)).toMatch(/no rows/);
    expect(check(3, 10, Math.floor(10 * MAX_DELETE_SHARE) + 1)).toMatch(/would delete 6 of the window's 10/);
  });

  it('lets real deletions, first loads and forced runs through', () => {
    expect(check(9, 10, 1)).toBeNull();
    expect(check(0, 0, 0)).toBeNull();
    expect(check(0, 10, 10, true)).toBeNull();
  });
});

describe('schema drift', () => {
  const fields = EVOLUTION_DATA.columns.map((c) => ({ name: c.name, type: c.type as string, mode: 'NULLABLE' }));

  it('accepts the declared schema, legacy type names included', () => {
    const legacy = fields.map((f) => ({
      ...f,
      type: f.type === 'INT64' ? 'INTEGER' : f.type === 'FLOAT64' ? 'FLOAT' : f.type,
    }));
    expect(compareSchema(EVOLUTION_DATA, legacy)).toEqual({ problems: [], added: [] });
    expect(normalizeType('BOOLEAN')).toBe('BOOL');
  });

  it('lists a missing column, a changed type and a changed key; reports an added column', () => {
    const drifted = [
      ...fields.filter((f) => f.name !== 'deuda').map((f) => (f.name === 'cuentas' ? { ...f, type: 'STRING' } : f)),
      { name: 'nuevo', type: 'STRING', mode: 'NULLABLE' },
    ];
    expect(compareSchema(EVOLUTION_DATA, drifted, ['fecha_foto'])).toEqual({
      problems: [
        'column cuentas is STRING upstream, declared INT64',
        'column deuda is missing upstream',
        'key is (fecha_foto) upstream, declared (fecha_foto, archivo)',
      ],
      added: ['nuevo'],
    });
  });

  it('compares the upstream key as a set of columns, and only when upstream declares one', () => {
    expect(compareSchema(EVOLUTION_DATA, fields, ['ARCHIVO', 'fecha_foto']).problems).toEqual([]);
    expect(compareSchema(EVOLUTION_DATA, fields, []).problems).toEqual([]);
    expect(compareSchema(EVOLUTION_DATA, fields, ['fecha_foto', 'archivo', 'dia_gestion']).problems).toEqual([
      'key is (fecha_foto, archivo, dia_gestion) upstream, declared (fecha_foto, archivo)',
    ]);
  });
});

describe('the TimescaleDB layout', () => {
  it('has the seed chunk intervals and retention, and is what migration 0006 runs', () => {
    expect(hypertableLayouts().map((l) => [l.table, l.timeColumn, l.chunkInterval, l.retention])).toEqual([
      ['dashboard_data', 'fecha_foto', '7 days', '2 years'],
      ['evolution_data', 'fecha_foto', '7 days', '2 years'],
      ['operation_data', 'fecha_foto', '1 day', '1 year'],
      ['productivity_data', 'fecha_foto', '7 days', '2 years'],
      ['etl_execution_log', 'started_at', '1 month', '6 months'],
    ]);
    const migration = readFileSync(path.resolve(__dirname, '../../schemas/0005_etl_timescale.sql'), 'utf8');
    expect(migration).toContain(timescaleLayoutSql());
  });

  it('validates a target table: types, nullability, key', () => {
    const columns = EVOLUTION_DATA.columns.map((c) => ({
      name: c.name,
      type:
        c.type === 'INT64'
          ? 'bigint'
          : c.type === 'NUMERIC'
            ? 'numeric(38,9)'
            : c.type === 'DATE'
              ? 'date'
              : c.type === 'STRING'
                ? 'text'
                : c.type === 'FLOAT64'
                  ? 'double precision'
                  : 'timestamp with time zone',
      nullable: !EVOLUTION_DATA.key.includes(c.name) && c.nullable !== false,
    }));
    expect(compareTargetSchema(EVOLUTION_DATA, columns, EVOLUTION_DATA.key)).toEqual([]);
    const changed = columns
      .map((c) => (c.name === 'deuda' ? { ...c, type: 'numeric' } : c))
      .filter((c) => c.name !== 'cuentas');
    expect(compareTargetSchema(EVOLUTION_DATA, changed, ['fecha_foto'])).toEqual([
      'evolution_data.cuentas is missing',
      'evolution_data.deuda is numeric, declared numeric(38,9)',
      'evolution_data primary key is (fecha_foto), declared (fecha_foto, archivo)',
    ]);
    expect(compareTargetSchema(EVOLUTION_DATA, [], [])).toEqual(['table evolution_data does not exist']);
  });
});
