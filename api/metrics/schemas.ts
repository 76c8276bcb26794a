import { z } from 'zod';
import { METRICS_JOBS } from '../../lib/metrics/catalog';
import { decimalInteger, isoDate } from '../http/schemas';
import { RunSummarySchema } from '../runs/schemas';
import { ScheduleViewSchema } from '../schedules/schemas';

/** A local day of PIPELINES_TZ; the handler refuses one after today there. */
const localDate = (description: string) => isoDate(`${description}: a local day of PIPELINES_TZ, not in the future`);

export const DailyBatchQuerySchema = z.strictObject({ fecha: localDate('The day to compute') });
export const WeeklyBatchQuerySchema = z.strictObject({ fecha_fin: localDate('The last day of the 7-day week') });

export const JobIdParamsSchema = z.strictObject({
  job_id: z.enum(METRICS_JOBS).meta({ description: 'The seed’s job id' }),
});

export const CalculatedMetricsQuerySchema = z.strictObject({
  nombre_metrica: z
    .string()
    .regex(/^[a-z0-9_]{1,100}$/, 'must be a metric name: lowercase letters, digits and _')
    .optional()
    .meta({ description: 'Only this metric (`metricas_calculadas.nombre`)', example: 'ranking_asesores_diario' }),
  limit: decimalInteger({ min: 1, max: 1000 })
    .default(100)
    .meta({ description: 'At most this many rows, newest first' }),
});

export const CalculatedMetricSchema = z
  .object({
    id: z.number().int(),
    nombre: z.string(),
    tipo: z.string(),
    valor: z.number(),
    descripcion: z.string().nullable(),
    unidad: z.string(),
    dimensiones: z.record(z.string(), z.unknown()),
    periodo_inicio: z.string(),
    periodo_fin: z.string(),
    calculado_en: z.string(),
    expira_en: z.string(),
  })
  .meta({ id: 'CalculatedMetric', description: 'A row of `metricas_calculadas`, with the seed’s column names' });

export const CalculatedMetricsSchema = z
  .object({ metricas: z.array(CalculatedMetricSchema), total: z.number().int() })
  .meta({ id: 'CalculatedMetrics' });

export const BatchJobStatusSchema = z
  .object({
    jobs: z.array(
      z.object({
        id: z.enum(METRICS_JOBS),
        description: z.string(),
        schedule: ScheduleViewSchema,
        lastRun: RunSummarySchema.nullable().meta({ description: 'The latest run under the job’s business ids' }),
        lastResult: z
          .unknown()
          .nullable()
          .meta({ description: 'The result of the latest completed run: each metric with rows written or its error' }),
      }),
    ),
  })
  .meta({ id: 'BatchJobStatus' });
