import type { Database } from '../../lib/db';
import { effectiveConfig } from '../../lib/telemetry/config';
import { recomputeMeasurements } from './recompute';
import {
  ensureProgressRow,
  hasRawReadingsFrom,
  loadPoints,
  lockPointState,
  resetPointState,
  saveConfigVersion,
} from '../../data/telemetry';

export interface ReprocessInput {
  code: string;
  /** ISO instants: measurements in [from, to) are recomputed. */
  from: string;
  to: string;
}

export interface ReprocessResult {
  code: string;
  configVersion: string;
  replaced: number;
  computed: number;
  /** True when the range reached the newest raw reading, so the live state moved on with it. */
  stateUpdated: boolean;
}

/**
 * Recomputes a point's measurements in [from, to) from its stored raw readings with its current
 * configuration, starting from the state the rules reach on the raw readings before `from`
 * (from the oldest one kept). In one transaction that holds the point's state row, so a polling
 * cycle of that point waits: the range's measurements are replaced, and when the range reaches
 * the newest reading the live state is replaced too, so polling continues from the new constants.
 */
export async function reprocessPoint(db: Database, input: ReprocessInput): Promise<ReprocessResult> {
  const [point] = await loadPoints(db, [input.code]);
  if (!point) throw new Error(`point ${input.code} no longer exists`);
  const { config, version } = effectiveConfig(point.template, point.overrides);
  await saveConfigVersion(db, version, config);
  return db.withTransaction(async (client) => {
    await ensureProgressRow(client, point.code);
    await lockPointState(client, point.code);
    const { result, replaced, computed, readings } = await recomputeMeasurements(client, point, config, version, input);
    const stateUpdated = !(await hasRawReadingsFrom(client, point.code, input.to)) && readings > 0;
    // The checkpoints hold states of the old constants: a later late reading rebuilds from the raw readings.
    await resetPointState(client, point.code, stateUpdated ? result.state : undefined);
    return { code: point.code, configVersion: version, replaced, computed, stateUpdated };
  });
}
