import type { BigQuerySource } from '../lib/bigquery';
import { isNotFound } from '../lib/bigquery';
import type { TableDeclaration } from '../lib/etl/registry';
import { isNullable } from '../lib/etl/registry';

/**
 * Writes the ETL's source tables through the BigQuery API, as an upstream writer would: the
 * local stack's demo data and the tests' fixtures. Values are strings (or null) in BigQuery's
 * JSON form, so INT64 and NUMERIC stay exact on the way in too.
 */
export type SourceRow = Record<string, string | boolean | number | null>;

/** `fields` replaces the declared schema (tests of drift and of bad upstream rows). */
export async function createSourceTable(
  source: BigQuerySource,
  table: TableDeclaration,
  fields = table.columns.map((column) => ({
    name: column.name,
    type: column.type as string,
    mode: isNullable(table, column) ? 'NULLABLE' : 'REQUIRED',
  })),
): Promise<void> {
  const dataset = source.client.dataset(source.dataset);
  const [exists] = await dataset.table(table.name).exists();
  if (exists) return;
  await dataset.createTable(table.name, { schema: { fields } });
}

export async function dropSourceTable(source: BigQuerySource, name: string): Promise<void> {
  await source.client.dataset(source.dataset).table(name).delete({ ignoreNotFound: true });
}

export async function ensureDataset(source: BigQuerySource): Promise<void> {
  const dataset = source.client.dataset(source.dataset);
  try {
    await dataset.get({ autoCreate: true });
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await dataset.create();
  }
}

/** Inserts rows in batches (the API's insertAll). */
export async function insertSourceRows(source: BigQuerySource, table: string, rows: SourceRow[], batch = 2_000) {
  const target = source.client.dataset(source.dataset).table(table);
  for (let i = 0; i < rows.length; i += batch) await target.insert(rows.slice(i, i + batch));
}

/** Runs a DML statement (UPDATE/DELETE) against the source, as an upstream revision would. */
export async function runSourceDml(source: BigQuerySource, sql: string): Promise<void> {
  await source.client.query({ query: sql });
}
