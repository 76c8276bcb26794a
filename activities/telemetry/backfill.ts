import type { Database } from '../../lib/db';
import { checkpointsBefore, withCheckpoint, type StateCheckpoint } from '../../lib/telemetry/checkpoints';
import { effectiveConfig, VARIABLES } from '../../lib/telemetry/config';
import type { CredentialsStore } from '../../platform/credentials';
import type { HttpOptions } from './providers/http';
import type { ProviderAdapter } from './providers/types';
import { distinctReadings, watermarksOf } from './poll';
import { recomputeMeasurements } from './recompute';
import {
  ensureProgressRow,
  insertRawReadings,
  loadPoints,
  loadProgress,
  saveConfigVersion,
  saveProgress,
} from './store';

export interface BackfillInput {
  code: string;
  /** ISO instants: readings in [from, to) are loaded (`to` capped at now). */
  from: string;
  to: string;
  /** One provider window per chunk, one transaction each. @default 360 */
  chunkMinutes?: number;
}

/** Where a backfill stands: its heartbeat details, and where a retried attempt resumes. */
export interface BackfillProgress {
  /** Everything up to this instant is stored. */
  cursor: string;
  chunks: number;
  of: number;
  /** Raw readings the provider served for the chunks done (each chunk counted once, even when redone). */
  readings: number;
  /** Of those, the ones not stored before (a chunk redone after a lost heartbeat stores nothing again). */
  stored: number;
}

export interface BackfillDeps {
  db: Database;
  adapter: ProviderAdapter;
  credentials: CredentialsStore;
  http: HttpOptions;
  now: () => Date;
  /** Called after each committed chunk. */
  progress: (progress: BackfillProgress) => void;
}

/**
 * Loads a point's history from its provider, oldest first, one chunk (a provider window the adapter
 * pages through) at a time: each chunk's raw readings are stored in one transaction that holds the
 * point's state row, and the measurements from the chunk's first new reading on are recomputed as a
 * poll that brings late readings does (from the newest state checkpoint before them, leaving one at the
 * chunk's end for the next chunk, so only a chunk and what polls stored after it are ever in memory).
 * Watermarks only move forward; a chunk already stored stores nothing (a retry resumes at `cursor`).
 * Historical readings raise no alerts: their flags are stored, nobody is paged about last month.
 */
export async function backfillPoint(
  deps: BackfillDeps,
  input: BackfillInput,
  resume?: BackfillProgress,
): Promise<BackfillProgress> {
  const [point] = await loadPoints(deps.db, [input.code]);
  if (!point) throw new Error(`point ${input.code} no longer exists`);
  const { config, version } = effectiveConfig(point.template, point.overrides);
  await saveConfigVersion(deps.db, version, config);
  await ensureProgressRow(deps.db, point.code);
  const credentials = deps.credentials.resolve(point.credentialsRef);
  const chunkMs = (input.chunkMinutes ?? 360) * 60_000;
  const fromMs = Date.parse(input.from);
  const endMs = Math.min(Date.parse(input.to), deps.now().getTime());
  const of = Math.max(1, Math.ceil((endMs - fromMs) / chunkMs));
  const progress: BackfillProgress = resume ?? {
    cursor: new Date(fromMs - 1).toISOString(),
    chunks: 0,
    of,
    readings: 0,
    stored: 0,
  };

  // Chunks [start, start + chunk − 1 ms], each fetched with both ends inclusive; the last ends just before `to`.
  while (Date.parse(progress.cursor) < endMs - 1) {
    const chunkStart = Date.parse(progress.cursor) + 1;
    const chunkEnd = Math.min(chunkStart - 1 + chunkMs, endMs - 1);
    const fetched = await deps.adapter.fetchReadings(
      {
        deviceId: point.deviceId,
        since: {},
        from: new Date(chunkStart),
        until: new Date(chunkEnd),
        variables: VARIABLES,
      },
      credentials,
      deps.http,
    );
    const readings = distinctReadings(fetched.readings);
    const stored = await deps.db.withTransaction(async (client) => {
      const current = await loadProgress(client, point.code, true);
      const fresh = await insertRawReadings(client, point.code, readings);
      if (fresh.length === 0) return 0;
      const earliest = fresh.reduce(
        (oldest, r) => (r.measuredAt < oldest ? r.measuredAt : oldest),
        fresh[0]!.measuredAt,
      );
      let checkpoints: StateCheckpoint[] = checkpointsBefore(current.checkpoints, earliest);
      const recomputed = await recomputeMeasurements(
        client,
        point,
        config,
        version,
        { from: earliest },
        checkpoints.at(-1),
        new Date(chunkEnd).toISOString(),
      );
      if (recomputed.checkpoint) checkpoints = [...checkpoints, recomputed.checkpoint];
      const state = recomputed.result.state;
      // The newest reading the state covers: what polls stored after the chunk, or the chunk's own.
      const newest = [...recomputed.result.measurements, ...fresh]
        .map((r) => r.measuredAt)
        .reduce((latest, at) => (at > latest ? at : latest));
      checkpoints = withCheckpoint(checkpoints, newest, state, config.reconnectionMinutes * 60_000);
      await saveProgress(client, point.code, watermarksOf(fresh), state, checkpoints, current.reReadUntil);
      return fresh.length;
    });
    progress.cursor = new Date(chunkEnd).toISOString();
    progress.chunks += 1;
    progress.readings += readings.length;
    progress.stored += stored;
    deps.progress({ ...progress });
  }
  return progress;
}
