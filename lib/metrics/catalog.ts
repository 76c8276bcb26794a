/**
 * The metric batches by name: job ids, the metric activities of each job and the
 * business workflow ids. Pure data, shared by the workflows, activities, schedules and API.
 */

/** The old service's job ids; they are also the workflow types. */
export const METRICS_JOBS = ['daily_metrics_batch', 'weekly_metrics_batch', 'cleanup_metrics'] as const;
export type MetricsJobId = (typeof METRICS_JOBS)[number];

/** Each daily metric is its own activity, run for one local day. */
export const DAILY_METRICS = [
  'rankingAsesores',
  'especializacionAsesores',
  'conversionCiudad',
  'tiempoRespuestaAsesor',
] as const;

/** Each weekly metric is its own activity, run for the 7 local days ending `fecha_fin`. */
export const WEEKLY_METRICS = ['tendenciaSolicitudes', 'evolucionAsesores', 'patronesDemanda', 'satisfaccion'] as const;

export const CLEANUP_TASKS = ['limpiarMetricasExpiradas', 'limpiarEventosAntiguos'] as const;

export type DailyMetric = (typeof DAILY_METRICS)[number];
export type WeeklyMetric = (typeof WEEKLY_METRICS)[number];
export type PeriodMetric = DailyMetric | WeeklyMetric;
export type CleanupTask = (typeof CLEANUP_TASKS)[number];

/** Business ids: a second start for the same date finds the running one. */
export const WORKFLOW_ID_PREFIX: Record<MetricsJobId, string> = {
  daily_metrics_batch: 'metrics-daily/',
  weekly_metrics_batch: 'metrics-weekly/',
  cleanup_metrics: 'metrics-cleanup/',
};

/** `metrics-daily/2026-11-22`: the job and the local date it is for. */
export const metricsWorkflowId = (job: MetricsJobId, date: string) => `${WORKFLOW_ID_PREFIX[job]}${date}`;

/** Daily rows are kept 90 days after their period, weekly ones a year (cleanup deletes them after). */
export const RETENTION_DAYS = { daily: 90, weekly: 365 } as const;

/** Cleanup deletes `eventos` older than this. */
export const EVENT_RETENTION_DAYS = 30;

/** Every run, and every scheduled launcher, times out after this (the old service's 30 minutes). */
export const RUN_TIMEOUT = '30 minutes';
