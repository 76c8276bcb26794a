import { DAILY_FORMULAS, deleteExpiredMetrics, replacePeriodRows, WEEKLY_FORMULAS } from '../../data/metrics';
import type { Database } from '../../lib/db';
import { InvalidInputError } from '../../lib/errors';
import type { CleanupTask, DailyMetric, WeeklyMetric } from '../../lib/metrics/catalog';
import { EVENT_RETENTION_DAYS, RETENTION_DAYS } from '../../lib/metrics/catalog';
import type { Period, WeekPeriod } from '../../lib/metrics/periods';
import { cancellableDatabase } from '../cancellable-db';
import { deleteOldEvents } from './cleanup';
import type { MetricFormula } from '../../lib/metrics/formula';

export interface MetricsActivityDeps {
  db: Database;
}

export interface MetricInput<P extends Period = Period> {
  periodo: P;
  /** PIPELINES_TZ: local hours and weekdays. */
  timeZone: string;
}

export interface MetricRowsWritten {
  /** Rows of `metricas_calculadas` the period now has for this metric. */
  rows: number;
}

export interface CleanupInput {
  /** The instant the cleanup is for (its scheduled time): what expired before it goes. */
  asOf: string;
}

export interface CleanupDone {
  deleted: number;
}

type PeriodMetricActivity<P extends Period> = (input: MetricInput<P>) => Promise<MetricRowsWritten>;

/**
 * The metric batches' activities: one per metric (the workflow runs each on its own, so one
 * failing leaves the others) and one per cleanup task. Formulas: `data/metrics/formulas/*.ts`.
 */
export function createMetricsActivities({ db }: MetricsActivityDeps) {
  const compute =
    <P extends Period>(formula: MetricFormula, retentionDays: number): PeriodMetricActivity<P> =>
    async ({ periodo, timeZone }) => {
      if (!(Date.parse(periodo.inicio) < Date.parse(periodo.fin))) {
        throw new InvalidInputError(`empty or invalid period [${periodo.inicio}, ${periodo.fin})`);
      }
      const parameters = { ...periodo, previo_inicio: (periodo as Partial<WeekPeriod>).previoInicio, tz: timeZone };
      // Heartbeats while it computes; a cancelled run rolls the replacement back (the old rows stay).
      const rows = await cancellableDatabase(db).withTransaction((client) =>
        replacePeriodRows(client, formula, parameters, retentionDays),
      );
      return { rows };
    };

  const daily = mapValues(DAILY_FORMULAS, (formula) => compute<Period>(formula, RETENTION_DAYS.daily));
  const weekly = mapValues(WEEKLY_FORMULAS, (formula) => compute<WeekPeriod>(formula, RETENTION_DAYS.weekly));
  const cleanup: Record<CleanupTask, (input: CleanupInput) => Promise<CleanupDone>> = {
    limpiarMetricasExpiradas: async ({ asOf }) => ({
      deleted: await deleteExpiredMetrics(cancellableDatabase(db), asOf),
    }),
    limpiarEventosAntiguos: async ({ asOf }) => ({
      deleted: await deleteOldEvents(db, new Date(Date.parse(asOf) - EVENT_RETENTION_DAYS * 86_400_000).toISOString()),
    }),
  };
  return { ...daily, ...weekly, ...cleanup } as Record<DailyMetric, PeriodMetricActivity<Period>> &
    Record<WeeklyMetric, PeriodMetricActivity<WeekPeriod>> &
    typeof cleanup;
}

export type MetricsActivities = ReturnType<typeof createMetricsActivities>;

function mapValues<K extends string, A, B>(record: Record<K, A>, fn: (value: A) => B): Record<K, B> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, fn(value as A)])) as Record<K, B>;
}
