export { telemetryPollCycle } from './cycle';
export { telemetryReprocessPoint } from './reprocess';
export { telemetryBackfillPoint } from './backfill';
export { telemetryHealthCheck, telemetryCleanup, telemetryDailySummary } from './maintenance';
