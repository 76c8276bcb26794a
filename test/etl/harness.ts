import { randomBytes } from 'node:crypto';
import { createBigQuerySource, type BigQuerySource } from '../../lib/bigquery';
import type { Database } from '../../lib/db';
import { ETL_TABLES, requireTable } from '../../lib/etl/registry';
import { LOCAL_BIGQUERY } from '../../local/bigquery-emulator';
import { createSourceTable, ensureDataset } from '../../local/etl-source';
import { createTestContext, type TestContext } from '../harness/context';
import { harnessValue } from '../harness/env';

/** A test context whose configuration reads its own dataset of the shared BigQuery emulator. */
export interface EtlTestContext extends TestContext {
  source: BigQuerySource;
  dataset: string;
}

export async function createEtlTestContext(extraEnv: Record<string, string> = {}): Promise<EtlTestContext> {
  const dataset = `etl_${randomBytes(4).toString('hex')}`;
  const env = {
    BIGQUERY_PROJECT_ID: LOCAL_BIGQUERY.project,
    BIGQUERY_DATASET: dataset,
    BIGQUERY_API_ENDPOINT: harnessValue('bigqueryEndpoint'),
    ...extraEnv,
  };
  const ctx = await createTestContext(env);
  const source = createBigQuerySource(ctx.config.bigquery);
  await ensureDataset(source);
  for (const table of ETL_TABLES) await createSourceTable(source, table);
  return { ...ctx, source, dataset };
}

/** Every row of a target table as text, ordered by key: what "row for row" compares. */
export async function targetRows(db: Database, name: string): Promise<Record<string, string | null>[]> {
  const table = requireTable(name);
  const cols = table.columns.map((c) => `"${c.name}"::text AS "${c.name}"`).join(', ');
  const { rows } = await db.query(
    `SELECT ${cols} FROM "${name}" ORDER BY ${table.key.map((k) => `"${k}"`).join(', ')}`,
  );
  return rows as Record<string, string | null>[];
}

/** The physical row versions of a table: unchanged when nothing was written. */
export async function rowVersions(db: Database, name: string): Promise<string[]> {
  const { rows } = await db.query<{ v: string }>(
    `SELECT ctid::text || ':' || xmin::text AS v FROM "${name}" ORDER BY 1`,
  );
  return rows.map((row) => row.v);
}

export async function logRows(db: Database, table: string) {
  const { rows } = await db.query(
    `SELECT status, mode, window_from::text, window_to::text, inserted, updated, unchanged, deleted, rows_rejected,
            watermark_after::text, error FROM etl_execution_log WHERE table_name = $1 ORDER BY started_at`,
    [table],
  );
  return rows;
}
