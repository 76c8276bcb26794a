import type { Queryable } from '../../lib/db';
import type { MergeStatements } from '../../lib/etl/sql';
import type { EtlWindow } from '../../lib/etl/window';

/**
 * The merge's statements on a target table, each in the merge's transaction. The statement text
 * is derived from the registry (`mergeStatements`, lib/etl/sql.ts); the retention deletes of the
 * targets are in storage.ts.
 */

/** One merge per table at a time (a scheduled run and a forced one may overlap). */
export async function lockTableMerge(client: Queryable, table: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`etl:${table}`]);
}

export async function stagedSummary(
  client: Queryable,
  sql: MergeStatements,
): Promise<{ stagedRows: number; loadedMax: string | null }> {
  const row = (await client.query(sql.stagedSummary)).rows[0]!;
  return { stagedRows: Number(row.staged_rows), loadedMax: row.loaded_max as string | null };
}

/** `$1`/`$2`: the window's bounds. */
const bounds = (window: EtlWindow) => [window.from, window.to];

/** The target's rows inside the window, and those of them the source no longer has. */
export async function deletionCounts(
  client: Queryable,
  sql: MergeStatements,
  window: EtlWindow,
): Promise<{ inWindow: number; missing: number }> {
  const row = (await client.query(sql.deletionCounts, bounds(window))).rows[0]!;
  return { inWindow: Number(row.in_window), missing: Number(row.missing) };
}

export async function deleteMissing(client: Queryable, sql: MergeStatements, window: EtlWindow): Promise<number> {
  return (await client.query(sql.deleteMissing, bounds(window))).rowCount ?? 0;
}

/**
 * Staged rows rarely repeat a key (BigQuery enforces no key): upsert them as they are, and only
 * when a key repeats sort them to keep one row per key. A repeat is seen two ways: PostgreSQL
 * refuses to write one row twice in a command (21000), or — when all but one of the repeats
 * equal the target row, so that only one writes — the distinct keys (those the target had plus
 * those inserted) fall short of the staged rows. Either attempt is rolled back to a savepoint.
 */
export async function upsertStaged(client: Queryable, sql: MergeStatements, stagedRows: number, matchedKeys: number) {
  await client.query('SAVEPOINT etl_upsert');
  try {
    const { rows } = await client.query(sql.upsert);
    const inserted = Number(rows[0]!.inserted);
    if (matchedKeys + inserted === stagedRows)
      return { inserted, updated: Number(rows[0]!.updated), sourceKeys: stagedRows };
  } catch (error) {
    if ((error as { code?: string }).code !== '21000') throw error;
  }
  await client.query('ROLLBACK TO SAVEPOINT etl_upsert');
  const { rows } = await client.query(sql.upsertDeduplicated);
  return {
    inserted: Number(rows[0]!.inserted),
    updated: Number(rows[0]!.updated),
    sourceKeys: Number(rows[0]!.source_keys),
  };
}
