import type { PoolClient } from 'pg';
import type { Database } from '../../lib/db';
import type { StateCheckpoint } from '../../lib/telemetry/checkpoints';
import { VARIABLES, type Variable } from '../../lib/telemetry/config';
import { EMPTY_POINT_STATE, type PointState } from '../../lib/telemetry/rules';

/**
 * A point's progress: `telemetry_variable_state` (per variable, the watermark and the re-read bound) and
 * `telemetry_point_state` (the rules' state and its checkpoints). The state row is what concurrent polls,
 * backfills and reprocessing of one point serialise on.
 */

export interface PointProgress {
  /** Per variable: the newest reading processed. */
  watermarks: Partial<Record<Variable, Date>>;
  /** Per variable: until when the late-readings overlap is re-read (lib/telemetry/overlap.ts). */
  reReadUntil: Partial<Record<Variable, Date>>;
  state: PointState;
  /** Oldest first (lib/telemetry/checkpoints.ts). */
  checkpoints: StateCheckpoint[];
  /** The state row's version, to detect a concurrent poll of the same point. */
  revision: string | null;
}

/** Runs with the pool, or inside a transaction. */
type Runner = { query: Database['query'] } | PoolClient;

/** Reads with the pool, or inside a transaction (with `lock`, holding the point's state row). */
export async function loadProgress(reader: Runner, code: string, lock = false): Promise<PointProgress> {
  const db = reader as { query: Database['query'] };
  const state = await db.query<{ state: PointState; checkpoints: StateCheckpoint[]; revision: string }>(
    `SELECT state, checkpoints, updated_at::text AS revision FROM telemetry_point_state WHERE point_code = $1${lock ? ' FOR UPDATE' : ''}`,
    [code],
  );
  const marks = await db.query<{ variable: string; watermark: Date; reread_until: Date | null }>(
    'SELECT variable, watermark, reread_until FROM telemetry_variable_state WHERE point_code = $1',
    [code],
  );
  const watermarks: Partial<Record<Variable, Date>> = {};
  const reReadUntil: Partial<Record<Variable, Date>> = {};
  for (const row of marks.rows) {
    if (!(VARIABLES as readonly string[]).includes(row.variable)) continue;
    watermarks[row.variable as Variable] = row.watermark;
    if (row.reread_until) reReadUntil[row.variable as Variable] = row.reread_until;
  }
  const saved = state.rows[0]?.state;
  // A point never polled has an empty state row (created by `ensureProgressRow`).
  return {
    watermarks,
    reReadUntil,
    state: saved?.total ? saved : EMPTY_POINT_STATE,
    checkpoints: state.rows[0]?.checkpoints ?? [],
    revision: state.rows[0]?.revision ?? null,
  };
}

/** So two polls of a new point serialise on its state row like any other. */
export async function ensureProgressRow(runner: Runner, code: string): Promise<void> {
  const db = runner as { query: Database['query'] };
  await db.query('INSERT INTO telemetry_point_state (point_code) VALUES ($1) ON CONFLICT DO NOTHING', [code]);
}

/** Holds the point's state row until the transaction ends. */
export async function lockPointState(client: PoolClient, code: string): Promise<void> {
  await client.query('SELECT 1 FROM telemetry_point_state WHERE point_code = $1 FOR UPDATE', [code]);
}

export async function saveProgress(
  client: PoolClient,
  code: string,
  watermarks: Partial<Record<Variable, string>>,
  state: PointState,
  checkpoints: readonly StateCheckpoint[],
  reReadUntil: Partial<Record<Variable, Date>>,
) {
  const entries = Object.entries(watermarks) as [Variable, string][];
  // The poll holds the point's state row, so the re-read bound it computed from the row it read is the one to keep.
  if (entries.length > 0)
    await client.query(
      `INSERT INTO telemetry_variable_state (point_code, variable, watermark, reread_until)
       SELECT $1, v, w, u FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[]) AS i(v, w, u)
       ON CONFLICT (point_code, variable) DO UPDATE SET watermark = GREATEST(telemetry_variable_state.watermark, EXCLUDED.watermark),
         reread_until = EXCLUDED.reread_until, updated_at = now()`,
      [code, entries.map(([v]) => v), entries.map(([, w]) => w), entries.map(([v]) => reReadUntil[v] ?? null)],
    );
  await client.query(
    `INSERT INTO telemetry_point_state (point_code, state, checkpoints) VALUES ($1, $2, $3)
     ON CONFLICT (point_code) DO UPDATE SET state = EXCLUDED.state, checkpoints = EXCLUDED.checkpoints,
       updated_at = clock_timestamp()`,
    [code, JSON.stringify(state), JSON.stringify(checkpoints)],
  );
}

/** Drops the point's checkpoints and, when `state` is given, replaces its live state (a reprocess with new constants). */
export async function resetPointState(client: PoolClient, code: string, state?: PointState): Promise<void> {
  await client.query(
    `UPDATE telemetry_point_state SET checkpoints = '[]', updated_at = clock_timestamp()${state ? ', state = $2' : ''}
        WHERE point_code = $1`,
    state ? [code, JSON.stringify(state)] : [code],
  );
}
