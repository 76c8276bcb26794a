import type { Config } from '../lib/config';
import type { Database } from '../lib/db';
import type { TaskQueue } from '../lib/families';
import { withFailureMapping } from '../lib/errors';
import { createComplianceActivities } from './compliance';
import { createCvActivities } from './cv';
import { createEtlActivities } from './etl';
import { createMetricsActivities } from './metrics';
import { createPlatformActivities } from './platform/index';
import { createTelemetryActivities } from './telemetry';

/** What activities may use. The worker entry builds the real ones; tests pass their own. */
export interface ActivityDeps {
  config: Config;
  db: Database;
}

export type ActivityMap = Record<string, (...args: never[]) => Promise<unknown>>;

/**
 * The activities each task queue's worker registers, built from real dependencies by the worker
 * entry and from test dependencies by the tests. Each family adds its factory here.
 */
export function createActivitiesByQueue(deps: ActivityDeps) {
  return {
    platform: withFailureMapping(createPlatformActivities(deps)),
    metrics: withFailureMapping(createMetricsActivities(deps)),
    cv: withFailureMapping(createCvActivities(deps)),
    etl: withFailureMapping(createEtlActivities(deps)),
    telemetry: withFailureMapping(createTelemetryActivities(deps)),
    compliance: withFailureMapping(createComplianceActivities(deps)),
  } satisfies Record<TaskQueue, ActivityMap>;
}
