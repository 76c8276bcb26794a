import { alertConditions } from '../../lib/telemetry/alerts';
import { effectiveConfig, VARIABLES, type Variable } from '../../lib/telemetry/config';
import { processReadings, type RawReading } from '../../lib/telemetry/rules';
import type { Database } from '../../lib/db';
import type { CredentialsStore } from './credentials';
import type { HttpOptions } from './providers/http';
import type { ProviderAdapter } from './providers/types';
import { notifyOpenedAlerts } from './alerts';
import {
  applyAlertConditions,
  ensureProgressRow,
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
  readings: number;
  measurements: number;
  sentinels: number;
  alertsOpened: number;
}

/** Another poll of the same point committed meanwhile (an overlapping forced cycle): this one stands down. */
export class ConcurrentPollError extends Error {
  override readonly name = 'ConcurrentPollError';
}

/**
 * One point: fetch each variable since its watermark, then in ONE transaction store the raw
 * readings, the measurements the rules give, the alerts, and the moved watermarks and state. A
 * crash before COMMIT stores nothing and moves nothing, so the next attempt fetches the same
 * readings again; after COMMIT the watermark covers exactly what was stored.
 */
export async function pollPoint(deps: PollPointDeps, point: PointRow): Promise<PointPollResult> {
  const { config, version } = effectiveConfig(point.template, point.overrides);
  const credentials = deps.credentials.resolve(point.credentialsRef);
  await ensureProgressRow(deps.db, point.code);
  const progress = await loadProgress(deps.db, point.code);
  const until = deps.now();
  const fetched = await deps.adapter.fetchReadings(
    {
      deviceId: point.deviceId,
      since: progress.watermarks,
      from: new Date(until.getTime() - deps.initialLookbackMinutes * 60_000),
      until,
      variables: VARIABLES,
    },
    credentials,
    deps.http,
  );
  const readings = newReadings(fetched.readings, progress.watermarks);
  const result: PointPollResult = {
    readings: readings.length,
    measurements: 0,
    sentinels: fetched.sentinels,
    alertsOpened: 0,
  };
  if (readings.length === 0) return result;

  const processed = processReadings(progress.state, readings, config);
  const watermarks: Partial<Record<Variable, string>> = {};
  for (const reading of readings) {
    const variable = reading.variable as Variable;
    if (!watermarks[variable] || reading.measuredAt > watermarks[variable]) watermarks[variable] = reading.measuredAt;
  }
  await saveConfigVersion(deps.db, version, config);
  await deps.db.withTransaction(async (client) => {
    const current = await loadProgress(client, point.code, true);
    if (current.revision !== progress.revision)
      throw new ConcurrentPollError(`point ${point.code} was polled meanwhile`);
    await insertRawReadings(client, point.code, readings);
    result.measurements = await insertMeasurements(client, point, version, processed.measurements);
    const opened = await applyAlertConditions(client, point.code, alertConditions(processed));
    await notifyOpenedAlerts(client, point, opened);
    result.alertsOpened = opened.length;
    await saveProgress(client, point.code, watermarks, processed.state);
  });
  return result;
}

/** After each variable's watermark, one reading per (variable, instant), known variables only. */
export function newReadings(
  readings: readonly RawReading[],
  watermarks: Partial<Record<Variable, Date>>,
): RawReading[] {
  const seen = new Set<string>();
  return readings.filter((reading) => {
    if (!(VARIABLES as readonly string[]).includes(reading.variable)) return false;
    const mark = watermarks[reading.variable as Variable];
    if (mark && Date.parse(reading.measuredAt) <= mark.getTime()) return false;
    const key = `${reading.variable}@${reading.measuredAt}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
