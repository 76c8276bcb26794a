/**
 * The pipeline families and their task queues. Pure data: safe to import from workflows.
 * `platform` carries the platform's own workflows (the canary); it is served with the others.
 */
export const FAMILIES = ['metrics', 'cv', 'etl', 'telemetry', 'compliance'] as const;
export type Family = (typeof FAMILIES)[number];

export const TASK_QUEUES = [...FAMILIES, 'platform'] as const;
export type TaskQueue = (typeof TASK_QUEUES)[number];

export const TRIGGERS = ['schedule', 'api', 'backfill'] as const;
export type Trigger = (typeof TRIGGERS)[number];

/**
 * A scheduled run that starts this long after the time it was scheduled for is a backfill
 * (`TriggeredBy = backfill`): catch-ups after an outage start within their schedule's catch-up
 * window, which `declareSchedules` keeps under this.
 */
export const BACKFILL_LAG_MS = 60 * 60_000;
