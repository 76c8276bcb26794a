// The workflow types are the old service's job ids (daily_metrics_batch, …), so the bundle exports them by those names.
export {
  dailyMetricsBatch as daily_metrics_batch,
  weeklyMetricsBatch as weekly_metrics_batch,
  cleanupMetrics as cleanup_metrics,
} from './batch';
