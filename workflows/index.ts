// The workflow bundle's entry: every workflow of every family, whatever task queue serves it.
export { platformCanary } from './platform';
// Metric batches (seed 003): the workflow types are the seed's job ids.
export {
  dailyMetricsBatch as daily_metrics_batch,
  weeklyMetricsBatch as weekly_metrics_batch,
  cleanupMetrics as cleanup_metrics,
} from './metrics/batch';
export { cvPipeline } from './cv';
export { etlTable, etlDashboard, etlRetention } from './etl';
export { telemetryPollCycle } from './telemetry';
export { telemetryReprocessPoint } from './telemetry-reprocess';
export { telemetryBackfillPoint } from './telemetry-backfill';
export { telemetryHealthCheck, telemetryCleanup, telemetryDailySummary } from './telemetry-maintenance';
export {
  complianceSender,
  complianceSlot,
  complianceEnsureSender,
  complianceVerifySweep,
  complianceDailyReport,
} from './compliance';
