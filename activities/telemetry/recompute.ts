import type { PoolClient } from 'pg';
import type { StateCheckpoint } from '../../lib/telemetry/checkpoints';
import type { PointConfig } from '../../lib/telemetry/config';
import { EMPTY_POINT_STATE, processReadings, type ProcessResult } from '../../lib/telemetry/rules';
import { inconsistentFlowHours } from '../../lib/telemetry/window';
import {
  deleteMeasurements,
  flagInconsistentFlowHours,
  insertMeasurements,
  loadRawReadings,
  type PointRow,
} from '../../data/telemetry';

export interface Recomputed {
  result: ProcessResult;
  /** Measurements of the range deleted, then written. */
  replaced: number;
  computed: number;
  /** Raw readings read (before `to`, after `start`). */
  readings: number;
  /** With `stateAt`: the state after every reading up to it (a checkpoint for what comes after). */
  checkpoint?: StateCheckpoint;
}

/**
 * Recomputes a point's measurements in [from, to) (to the newest when `to` is absent) from its
 * stored raw readings, starting from the state the rules reach on the raw readings before `from`:
 * from `start` (a checkpoint before `from`) on, or from the oldest one kept, inside the caller's transaction. Shared by reprocessing (new
 * constants) and by a poll that stored readings older than the newest processed one (late
 * readings): the rules give the same result as processing every raw reading from scratch.
 */
export async function recomputeMeasurements(
  client: PoolClient,
  point: PointRow,
  config: PointConfig,
  version: string,
  range: { from: string; to?: string },
  start?: StateCheckpoint,
  stateAt?: string,
): Promise<Recomputed> {
  const to = range.to ?? null;
  const readings = await loadRawReadings(client, point.code, to, start?.at ?? null);
  const fromMs = Date.parse(range.from);
  const before = readings.filter((r) => Date.parse(r.measuredAt) < fromMs);
  const inRange = readings.filter((r) => Date.parse(r.measuredAt) >= fromMs);
  const initial = processReadings(start?.state ?? EMPTY_POINT_STATE, before, config).state;
  // The rules give the same in one batch or two: cut at `stateAt` to keep the state there.
  const markMs = stateAt === undefined ? Infinity : Date.parse(stateAt);
  const head = inRange.filter((r) => Date.parse(r.measuredAt) <= markMs);
  const headResult = processReadings(initial, head, config);
  const tailResult = processReadings(headResult.state, inRange.slice(head.length), config);
  const result: ProcessResult = {
    measurements: [...headResult.measurements, ...tailResult.measurements],
    findings: [...headResult.findings, ...tailResult.findings],
    state: tailResult.state,
  };
  const checkpoint =
    stateAt !== undefined && head.length > 0 ? { at: head.at(-1)!.measuredAt, state: headResult.state } : undefined;
  const replaced = await deleteMeasurements(client, point.code, range.from, to);
  const computed = await insertMeasurements(client, point, version, result.measurements, true);
  await flagInconsistentFlowHours(client, point.code, inconsistentFlowHours(result.findings));
  return { result, replaced, computed, readings: readings.length, checkpoint };
}
