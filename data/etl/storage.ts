import type { Database } from '../../lib/db';
import { ETL_TABLES } from '../../lib/etl/registry';
import { hypertableLayouts, timescaleLayoutSql, type HypertableLayout } from '../../lib/etl/timescale';
import { compareTargetSchema, type TargetColumn } from '../../lib/etl/validate';

/**
 * The ETL's storage statements (the set-up the ETL's setup job runs): which mode the database is
 * in, the TimescaleDB layout, the comparison of the target tables with the registry, and retention.
 */
export type StorageMode = 'optimal' | 'basic';

export interface StorageCheck {
  mode: StorageMode;
  timescaledb: boolean;
  /** Hypertables or retention policies the layout declares and the database lacks. */
  missing: string[];
}

/**
 * `optimal`: TimescaleDB with every declared hypertable and retention policy in place; `basic`:
 * plain PostgreSQL (or TimescaleDB without the complete layout: `missing` says what lacks).
 */
export async function checkStorage(db: Pick<Database, 'query'>): Promise<StorageCheck> {
  const { rows } = await db.query("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'");
  if (rows.length === 0) return { mode: 'basic', timescaledb: false, missing: [] };
  const hypertables = await db.query<{ name: string }>(
    'SELECT hypertable_name AS name FROM timescaledb_information.hypertables',
  );
  const policies = await db.query<{ name: string }>(
    "SELECT hypertable_name AS name FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention'",
  );
  const have = new Set(hypertables.rows.map((row) => row.name));
  const retained = new Set(policies.rows.map((row) => row.name));
  const missing = hypertableLayouts().flatMap(({ table }) => [
    ...(have.has(table) ? [] : [`hypertable ${table}`]),
    ...(retained.has(table) ? [] : [`retention policy on ${table}`]),
  ]);
  return { mode: missing.length === 0 ? 'optimal' : 'basic', timescaledb: true, missing };
}

/** Applies the TimescaleDB layout where the extension can be loaded (idempotent), then checks. */
export async function applyStorageLayout(db: Pick<Database, 'query'>): Promise<StorageCheck> {
  await db.query(timescaleLayoutSql());
  return checkStorage(db);
}

/** Every target table against its declaration: columns, types, nullability, key. */
export async function validateTargets(db: Pick<Database, 'query'>): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const table of ETL_TABLES) {
    const columns = await db.query<TargetColumn>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable
       FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
      [`public.${table.name}`],
    );
    const key = await db.query<{ name: string }>(
      `SELECT a.attname AS name FROM pg_index i
       JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
       WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY k.ord`,
      [`public.${table.name}`],
    );
    result[table.name] = compareTargetSchema(
      table,
      columns.rows,
      key.rows.map((row) => row.name),
    );
  }
  return result;
}

/** Retention without TimescaleDB: deletes a layout's rows older than its retention (an interval). */
export async function deleteOlderThan(
  db: Pick<Database, 'query'>,
  { table, timeColumn, retention }: Pick<HypertableLayout, 'table' | 'timeColumn' | 'retention'>,
): Promise<number> {
  const result = await db.query(`DELETE FROM "${table}" WHERE "${timeColumn}" < now() - $1::interval`, [retention]);
  return result.rowCount ?? 0;
}
