import { nonKeyColumns, PG_TYPE, UPDATED_AT_COLUMN, type TableDeclaration } from './registry';
import type { EtlWindow } from './window';

/**
 * SQL derived from the registry (pure). Identifiers come from the declarations only, never from
 * a request; values travel as parameters (`$n` in PostgreSQL, `@name` in BigQuery).
 */

export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const list = (names: readonly string[], prefix = '') => names.map((n) => `${prefix}${ident(n)}`).join(', ');
const columnNames = (table: TableDeclaration) => table.columns.map((c) => c.name);

/**
 * The BigQuery query of a window, with its parameters. Dates travel as STRING parameters cast in
 * the query: the emulator compares a DATE-typed parameter wrongly; BigQuery reads both the same.
 */
export function extractionQuery(table: TableDeclaration, projectId: string, dataset: string, window: EtlWindow) {
  const conditions: string[] = [];
  const params: Record<string, string> = {};
  const types: Record<string, string> = {};
  const column = `\`${table.incrementalColumn}\``;
  if (window.from !== null) {
    conditions.push(`${column} >= CAST(@window_from AS DATE)`);
    params.window_from = window.from;
    types.window_from = 'STRING';
  }
  if (window.to !== null) {
    conditions.push(`${column} <= CAST(@window_to AS DATE)`);
    params.window_to = window.to;
    types.window_to = 'STRING';
  }
  const select = table.columns.map((c) => `\`${c.name}\``).join(', ');
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  return { query: `SELECT ${select} FROM \`${projectId}.${dataset}.${table.name}\`${where}`, params, types };
}

/** The target table's DDL (the migration creates the same; `etl:setup validate` compares). */
export function targetDdl(table: TableDeclaration): string {
  const columns = table.columns.map(
    (c) =>
      `  ${ident(c.name)} ${PG_TYPE[c.type]}${table.key.includes(c.name) || c.nullable === false ? ' NOT NULL' : ''}`,
  );
  columns.push('  etl_loaded_at timestamp with time zone NOT NULL DEFAULT now()');
  return `CREATE TABLE ${ident(table.name)} (\n${columns.join(',\n')},\n  PRIMARY KEY (${list(table.key)})\n)`;
}

export const STAGING_SCHEMA = 'etl_staging';

/**
 * A run's staging table: the declared columns, all nullable, nothing else (no arrival number: a
 * sequence value per row cost a fifth of the COPY, and a repeated key is settled by the rows'
 * values, see upsertDeduplicated). UNLOGGED (no WAL): a crash of PostgreSQL empties it, which the
 * extract and the merge detect by comparing its row count with the checkpoint's
 * (activities/etl/extract.ts), so the window is queried again.
 */
export function stagingDdl(table: TableDeclaration, stagingTable: string): string {
  const columns = table.columns.map((c) => `${ident(c.name)} ${PG_TYPE[c.type]}`);
  return `CREATE UNLOGGED TABLE IF NOT EXISTS ${STAGING_SCHEMA}.${ident(stagingTable)} (${columns.join(', ')})`;
}

export function copyStatement(table: TableDeclaration, stagingTable: string): string {
  return `COPY ${STAGING_SCHEMA}.${ident(stagingTable)} (${list(columnNames(table))}) FROM STDIN`;
}

/** The same as COPY, as one INSERT of a page (`$1`: a JSON array of objects of column text values). */
export function insertStatement(table: TableDeclaration, stagingTable: string): string {
  const staging = `${STAGING_SCHEMA}.${ident(stagingTable)}`;
  const cols = list(columnNames(table));
  return `INSERT INTO ${staging} (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::${staging}, $1::json)`;
}

/** `$1`/`$2` are the window's bounds (date or null): the rows the source is authoritative for. */
function inWindow(table: TableDeclaration, alias: string): string {
  const column = `${alias}.${ident(table.incrementalColumn)}`;
  return `($1::date IS NULL OR ${column} >= $1::date) AND ($2::date IS NULL OR ${column} <= $2::date)`;
}

const keyMatch = (table: TableDeclaration, left: string, right: string) =>
  table.key.map((k) => `${left}.${ident(k)} = ${right}.${ident(k)}`).join(' AND ');

export interface MergeStatements {
  /** Rows of the target inside the window, and those the source no longer has. Params: window. */
  deletionCounts: string;
  /** Upsert of the staged rows as they are, writing only rows that changed (fails 21000 when a key repeats). */
  upsert: string;
  /**
   * The same, one row per key: the one upstream computed last (`actualizado_en`), ties broken by
   * the other values, so every run picks the same row whatever order BigQuery returns them in.
   * Counts the distinct keys too.
   */
  upsertDeduplicated: string;
  /** Deletes the window's target rows the source no longer has. Params: window. */
  deleteMissing: string;
  /** Staged rows and the largest incremental value staged. */
  stagedSummary: string;
}

export function mergeStatements(table: TableDeclaration, stagingTable: string): MergeStatements {
  const target = ident(table.name);
  const staging = `${STAGING_SCHEMA}.${ident(stagingTable)}`;
  const cols = list(columnNames(table));
  const measures = nonKeyColumns(table).map((c) => c.name);
  const onConflict = `ON CONFLICT (${list(table.key)}) DO UPDATE SET ${measures.map((m) => `${ident(m)} = EXCLUDED.${ident(m)}`).join(', ')}, etl_loaded_at = now()
        WHERE (${list(measures, 't.')}) IS DISTINCT FROM (${list(measures, 'EXCLUDED.')})
        RETURNING (xmax = 0) AS inserted`;
  const newestFirst = [UPDATED_AT_COLUMN, ...measures.filter((m) => m !== UPDATED_AT_COLUMN)]
    .map((m) => `${ident(m)} DESC`)
    .join(', ');
  const missingInSource = `NOT EXISTS (SELECT 1 FROM ${staging} s WHERE ${keyMatch(table, 's', 't')})`;
  return {
    // Two plain counts: a NOT EXISTS inside an aggregate's FILTER would run once per target row.
    deletionCounts: `SELECT (SELECT count(*) FROM ${target} t WHERE ${inWindow(table, 't')}) AS in_window,
      (SELECT count(*) FROM ${target} t WHERE ${inWindow(table, 't')} AND ${missingInSource}) AS missing`,
    upsert: `WITH written AS (
        INSERT INTO ${target} AS t (${cols}) SELECT ${cols} FROM ${staging}
        ${onConflict}
      )
      SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated FROM written`,
    upsertDeduplicated: `WITH source AS (
        SELECT DISTINCT ON (${list(table.key)}) ${cols} FROM ${staging} ORDER BY ${list(table.key)}, ${newestFirst}
      ), written AS (
        INSERT INTO ${target} AS t (${cols}) SELECT ${cols} FROM source
        ${onConflict}
      )
      SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated,
        (SELECT count(*) FROM source) AS source_keys FROM written`,
    deleteMissing: `DELETE FROM ${target} t WHERE ${inWindow(table, 't')} AND ${missingInSource}`,
    stagedSummary: `SELECT count(*) AS staged_rows, max(${ident(table.incrementalColumn)})::text AS loaded_max FROM ${staging}`,
  };
}
