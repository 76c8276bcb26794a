import { alertConditions, alertConditionsOfRecompute, type AlertCondition } from '../../lib/telemetry/alerts';
import { checkpointsBefore, withCheckpoint } from '../../lib/telemetry/checkpoints';
import { effectiveConfig, VARIABLES, type Variable } from '../../lib/telemetry/config';
import { fetchSince, reReadUntil } from '../../lib/telemetry/overlap';
import { processReadings, type Measurement, type PointState, type RawReading } from '../../lib/telemetry/rules';
import { inconsistentFlowHours } from '../../lib/telemetry/window';
import type { Database } from '../../lib/db';
import type { CredentialsStore } from '../../platform/credentials';
import type { HttpOptions } from './providers/http';
import type { ProviderAdapter } from './providers/types';
import { notifyOpenedAlerts } from './alerts';
import { recomputeMeasurements } from './recompute';
import {
  applyAlertConditions,
  ensureProgressRow,
  flagInconsistentFlowHours,
  insertMeasurements,
  insertRawReadings,
  loadProgress,
  saveConfigVersion,
  saveProgress,
  type PointRow,
} from './store';

export interface PollPointDeps {
  db: Database;
  adapter: ProviderAdapter;
  credentials: CredentialsStore;
  http: HttpOptions;
  now: () => Date;
  /** Where a variable without a watermark starts. */
  initialLookbackMinutes: number;
}

export interface PointPollResult {
  /** Raw readings stored by this poll (the re-fetched overlap is not counted). */
  readings: number;
  /** Of those, how many were older than the newest reading already processed. */
  late: number;
  measurements: number;
  sentinels: number;
  alertsOpened: number;
}

/** Another poll of the same point committed meanwhile (an overlapping forced cycle): this one stands down. */
export class ConcurrentPollError extends Error {
  override readonly name = 'ConcurrentPollError';
}

/**
 * One point: fetch each variable from its watermark, or from `reconnectionMinutes` before it while
 * its readings showed a disconnection gap lately (lib/telemetry/overlap.ts: so readings a device
 * buffered through it and uploaded after newer ones are still seen), then in
 * ONE transaction store the raw readings not stored yet, the measurements, the alerts, and the
 * moved watermarks, re-read bounds and state. Readings newer than everything processed go through the rules from
 * the stored state; when some are older (late), the point's measurements from the earliest of them
 * are recomputed from the newest state checkpoint before it and the stored raw readings after that
 * checkpoint, as processing every reading from scratch would give. A
 * crash before COMMIT stores and moves nothing, so the next attempt fetches the same readings again.
 */
export async function pollPoint(deps: PollPointDeps, point: PointRow): Promise<PointPollResult> {
  const { config, version } = effectiveConfig(point.template, point.overrides);
  const credentials = deps.credentials.resolve(point.credentialsRef);
  await ensureProgressRow(deps.db, point.code);
  const progress = await loadProgress(deps.db, point.code);
  const until = deps.now();
  const overlapMs = config.reconnectionMinutes * 60_000;
  const periodMs = point.frequencyMinutes * 60_000;
  const since: Partial<Record<Variable, Date>> = {};
  for (const [variable, mark] of Object.entries(progress.watermarks) as [Variable, Date][])
    since[variable] = fetchSince(mark, progress.reReadUntil[variable], periodMs, overlapMs);
  const from = new Date(until.getTime() - deps.initialLookbackMinutes * 60_000);
  const fetched = await deps.adapter.fetchReadings(
    {
      deviceId: point.deviceId,
      since,
      from,
      until,
      variables: VARIABLES,
    },
    credentials,
    deps.http,
  );
  const readings = distinctReadings(fetched.readings);
  const result: PointPollResult = {
    readings: 0,
    late: 0,
    measurements: 0,
    sentinels: fetched.sentinels,
    alertsOpened: 0,
  };
  if (readings.length === 0) return result;

  await saveConfigVersion(deps.db, version, config);
  await deps.db.withTransaction(async (client) => {
    const current = await loadProgress(client, point.code, true);
    if (current.revision !== progress.revision)
      throw new ConcurrentPollError(`point ${point.code} was polled meanwhile`);
    // A re-read overlap is fetched again: only what the table does not hold yet is new.
    const stored = await insertRawReadings(client, point.code, readings);
    if (stored.length === 0) return;
    const newestMs = Math.max(0, ...Object.values(progress.watermarks).map((mark) => mark.getTime()));
    const late = stored.filter((reading) => Date.parse(reading.measuredAt) <= newestMs);
    let conditions: AlertCondition[];
    let state: PointState;
    let checkpoints = progress.checkpoints;
    if (late.length === 0) {
      const processed = processReadings(progress.state, stored, config);
      result.measurements = await insertMeasurements(client, point, version, processed.measurements);
      await flagInconsistentFlowHours(client, point.code, inconsistentFlowHours(processed.findings));
      conditions = alertConditions(processed);
      state = processed.state;
    } else {
      const from = late.reduce((oldest, r) => (r.measuredAt < oldest ? r.measuredAt : oldest), late[0]!.measuredAt);
      checkpoints = checkpointsBefore(checkpoints, from);
      const recomputed = await recomputeMeasurements(client, point, config, version, { from }, checkpoints.at(-1));
      const isNew = new Set(stored.map((r) => `${r.variable}@${r.measuredAt}`));
      // A depth is derived from the level reading at the same instant.
      const readingOf = (m: Measurement) => `${m.variable === 'depth' ? 'level' : m.variable}@${m.measuredAt}`;
      result.measurements = recomputed.computed;
      conditions = alertConditionsOfRecompute(recomputed.result, (m) => isNew.has(readingOf(m)), from);
      state = recomputed.result.state;
    }
    const newest = new Date(Math.max(newestMs, ...stored.map((r) => Date.parse(r.measuredAt)))).toISOString();
    checkpoints = withCheckpoint(checkpoints, newest, state, overlapMs);
    const opened = await applyAlertConditions(client, point.code, conditions);
    await notifyOpenedAlerts(client, point, opened);
    result.readings = stored.length;
    result.late = late.length;
    result.alertsOpened = opened.length;
    const bounds: Partial<Record<Variable, Date>> = {};
    for (const variable of VARIABLES) {
      const times = readings.filter((r) => r.variable === variable).map((r) => r.measuredAt);
      // A first poll's window starts at `from`: a hole at its start (a buffered upload still to come) is a gap too.
      const mark = progress.watermarks[variable] ?? from;
      const bound = reReadUntil(progress.reReadUntil[variable], mark, times, periodMs, overlapMs);
      if (bound) bounds[variable] = bound;
    }
    await saveProgress(client, point.code, watermarksOf(stored), state, checkpoints, bounds);
  });
  return result;
}

/** One reading per (variable, instant), known variables only. */
export function distinctReadings(readings: readonly RawReading[]): RawReading[] {
  const seen = new Set<string>();
  return readings.filter((reading) => {
    if (!(VARIABLES as readonly string[]).includes(reading.variable)) return false;
    const key = `${reading.variable}@${reading.measuredAt}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Per variable, the newest of these readings (saveProgress keeps the greater of it and the stored one). */
export function watermarksOf(readings: readonly RawReading[]): Partial<Record<Variable, string>> {
  const watermarks: Partial<Record<Variable, string>> = {};
  for (const reading of readings) {
    const variable = reading.variable as Variable;
    if (!watermarks[variable] || reading.measuredAt > watermarks[variable]) watermarks[variable] = reading.measuredAt;
  }
  return watermarks;
}
