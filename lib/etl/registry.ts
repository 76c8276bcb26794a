/**
 * The ETL's table registry: one declaration per dashboard table. Everything else is
 * derived from it — extraction SQL, staging and merge SQL, COPY encoding, schema-drift checks,
 * the API's config route. Adding a table is one declaration here and a migration creating it.
 * Pure data: safe to import from workflows.
 */

/** The BigQuery standard SQL types the ETL reads. */
export type BigQueryType = 'DATE' | 'TIMESTAMP' | 'INT64' | 'NUMERIC' | 'FLOAT64' | 'STRING' | 'BOOL';

/** How each BigQuery type is stored in PostgreSQL: exact where BigQuery is exact. */
export const PG_TYPE: Record<BigQueryType, string> = {
  DATE: 'date',
  // microseconds, as BigQuery keeps them
  TIMESTAMP: 'timestamp with time zone',
  INT64: 'bigint',
  // BigQuery NUMERIC: 38 digits, 9 of them after the point
  NUMERIC: 'numeric(38,9)',
  FLOAT64: 'double precision',
  STRING: 'text',
  BOOL: 'boolean',
};

export interface ColumnDeclaration {
  name: string;
  type: BigQueryType;
  /** Key columns are never nullable; other columns are unless they say so. */
  nullable?: boolean;
  description: string;
}

export interface TimescaleLayout {
  /** The partitioning column (the incremental column of every dashboard hypertable). */
  timeColumn: string;
  chunkInterval: string;
  retention: string;
}

export interface TableDeclaration {
  name: string;
  description: string;
  columns: readonly ColumnDeclaration[];
  key: readonly string[];
  /** A DATE column: the watermark is its largest loaded value; windows are ranges of it. */
  incrementalColumn: string;
  /** How far before the watermark an incremental run re-reads, for late revisions upstream. */
  lookbackDays: number;
  /** `month`: the incremental column holds the first day of a month, and windows start on one. */
  granularity: 'day' | 'month';
  /** Hypertable layout when TimescaleDB is there; `null`: a plain table either way. */
  timescale: TimescaleLayout | null;
}

const col = (name: string, type: BigQueryType, description: string, nullable = true): ColumnDeclaration => ({
  name,
  type,
  nullable,
  description,
});
const key = (name: string, type: BigQueryType, description: string) => col(name, type, description, false);
/** Every table has it: when upstream repeats a key, the row it computed last is the one loaded. */
export const UPDATED_AT_COLUMN = 'actualizado_en';
const updatedAt = col(UPDATED_AT_COLUMN, 'TIMESTAMP', 'when the upstream row was last computed', false);

export const DASHBOARD_DATA: TableDeclaration = {
  name: 'dashboard_data',
  description: 'Main aggregated collection metrics per snapshot day, assignment file, portfolio and service',
  columns: [
    key('fecha_foto', 'DATE', 'snapshot day'),
    key('archivo', 'STRING', 'assignment file'),
    key('cartera', 'STRING', 'portfolio (cartera)'),
    key('servicio', 'STRING', 'service (mobile, fixed, ...)'),
    col('cuentas', 'INT64', 'accounts assigned', false),
    col('clientes', 'INT64', 'distinct debtors'),
    col('deuda_asignada', 'NUMERIC', 'debt assigned (CLP)'),
    col('deuda_actual', 'NUMERIC', 'debt still open (CLP)'),
    col('monto_recuperado', 'NUMERIC', 'amount collected (CLP)'),
    col('pagos', 'INT64', 'payments received'),
    col('contactabilidad', 'FLOAT64', 'share of accounts contacted, 0..1'),
    col('tasa_recupero', 'FLOAT64', 'collected / assigned, 0..1'),
    col('es_cierre', 'BOOL', 'the snapshot closes its month'),
    updatedAt,
  ],
  key: ['fecha_foto', 'archivo', 'cartera', 'servicio'],
  incrementalColumn: 'fecha_foto',
  lookbackDays: 7,
  granularity: 'day',
  timescale: { timeColumn: 'fecha_foto', chunkInterval: '7 days', retention: '2 years' },
};

export const EVOLUTION_DATA: TableDeclaration = {
  name: 'evolution_data',
  description: 'Daily time series per assignment file, for trend charts',
  columns: [
    key('fecha_foto', 'DATE', 'snapshot day'),
    key('archivo', 'STRING', 'assignment file'),
    col('dia_gestion', 'INT64', 'working day of the collection cycle', false),
    col('cuentas', 'INT64', 'accounts in the file'),
    col('deuda', 'NUMERIC', 'debt open (CLP)'),
    col('monto_recuperado', 'NUMERIC', 'amount collected so far (CLP)'),
    col('tasa_recupero', 'FLOAT64', 'collected / assigned, 0..1'),
    col('contactabilidad', 'FLOAT64', 'share contacted so far, 0..1'),
    updatedAt,
  ],
  key: ['fecha_foto', 'archivo'],
  incrementalColumn: 'fecha_foto',
  lookbackDays: 3,
  granularity: 'day',
  timescale: { timeColumn: 'fecha_foto', chunkInterval: '7 days', retention: '2 years' },
};

export const ASSIGNMENT_DATA: TableDeclaration = {
  name: 'assignment_data',
  description: 'Monthly assignment composition per file and portfolio',
  columns: [
    key('periodo', 'DATE', 'first day of the month assigned'),
    key('archivo', 'STRING', 'assignment file'),
    key('cartera', 'STRING', 'portfolio (cartera)'),
    col('fecha_asignacion', 'DATE', 'day the file was assigned'),
    col('clientes', 'INT64', 'debtors assigned'),
    col('cuentas', 'INT64', 'accounts assigned', false),
    col('deuda_asignada', 'NUMERIC', 'debt assigned (CLP)'),
    col('ticket_promedio', 'NUMERIC', 'average debt per account (CLP)'),
    col('es_refuerzo', 'BOOL', 'a reinforcement assignment within the month'),
    updatedAt,
  ],
  key: ['periodo', 'archivo', 'cartera'],
  incrementalColumn: 'periodo',
  // The current and the previous month are re-read (the first of a month minus 28 days is always
  // in the previous month): assignments are revised into the next month.
  lookbackDays: 28,
  granularity: 'month',
  timescale: null,
};

export const OPERATION_DATA: TableDeclaration = {
  name: 'operation_data',
  description: 'Hourly operation metrics per channel and file',
  columns: [
    key('fecha_foto', 'DATE', 'day'),
    key('hora', 'INT64', 'hour of the day, 0..23 (local)'),
    key('canal', 'STRING', 'channel (call, sms, email, whatsapp, ivr)'),
    key('archivo', 'STRING', 'assignment file'),
    col('gestiones', 'INT64', 'attempts made', false),
    col('contactos_efectivos', 'INT64', 'attempts that reached the debtor'),
    col('compromisos', 'INT64', 'payment promises obtained'),
    col('monto_compromisos', 'NUMERIC', 'amount promised (CLP)'),
    col('duracion_media_seg', 'FLOAT64', 'mean attempt duration, seconds'),
    updatedAt,
  ],
  key: ['fecha_foto', 'hora', 'canal', 'archivo'],
  incrementalColumn: 'fecha_foto',
  // Hourly figures settle within a day; two days of lookback covers a late night batch.
  lookbackDays: 2,
  granularity: 'day',
  timescale: { timeColumn: 'fecha_foto', chunkInterval: '1 day', retention: '1 year' },
};

export const PRODUCTIVITY_DATA: TableDeclaration = {
  name: 'productivity_data',
  description: 'Daily performance per agent and file (agent ranking)',
  columns: [
    key('fecha_foto', 'DATE', 'day'),
    key('correo_agente', 'STRING', "agent's e-mail"),
    key('archivo', 'STRING', 'assignment file'),
    col('nombre_agente', 'STRING', "agent's name"),
    col('gestiones', 'INT64', 'attempts made', false),
    col('contactos', 'INT64', 'debtors reached'),
    col('compromisos', 'INT64', 'payment promises'),
    col('monto_recuperado', 'NUMERIC', 'amount collected (CLP)'),
    col('tiempo_conectado_seg', 'INT64', 'seconds logged in'),
    col('tasa_contacto', 'FLOAT64', 'contacts / attempts, 0..1'),
    updatedAt,
  ],
  key: ['fecha_foto', 'correo_agente', 'archivo'],
  incrementalColumn: 'fecha_foto',
  // Supervisors correct agent attributions for a few days.
  lookbackDays: 3,
  granularity: 'day',
  timescale: { timeColumn: 'fecha_foto', chunkInterval: '7 days', retention: '2 years' },
};

export const ETL_TABLES = [DASHBOARD_DATA, EVOLUTION_DATA, ASSIGNMENT_DATA, OPERATION_DATA, PRODUCTIVITY_DATA] as const;

export const ETL_TABLE_NAMES: readonly string[] = ETL_TABLES.map((table) => table.name);

/** The declaration of a table, or undefined for a name the registry does not know. */
export function findTable(name: string): TableDeclaration | undefined {
  return ETL_TABLES.find((table) => table.name === name);
}

export function requireTable(name: string): TableDeclaration {
  const table = findTable(name);
  if (!table) throw new RangeError(`unknown ETL table "${name}"; known: ${ETL_TABLE_NAMES.join(', ')}`);
  return table;
}

export const nonKeyColumns = (table: TableDeclaration) => table.columns.filter((c) => !table.key.includes(c.name));
export const isNullable = (table: TableDeclaration, column: ColumnDeclaration) =>
  !table.key.includes(column.name) && column.nullable !== false;
