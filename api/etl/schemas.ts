import { z } from 'zod';
import { isoDate } from '../http/schemas';

const date = (description: string) => isoDate(description).meta({ example: '2026-11-01' });

export const TableParamsSchema = z.strictObject({
  table: z
    .string()
    .min(1)
    .max(100)
    .meta({ description: 'A table of `GET /api/v1/etl/config/tables`', example: 'dashboard_data' }),
});

export const RefreshDashboardBodySchema = z.strictObject({
  force: z.boolean().default(false).meta({ description: 'Full refresh: each target becomes exactly its source' }),
});

export const RefreshTableQuerySchema = z.strictObject({
  force: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true')
    .meta({ description: 'Full refresh of the table (seed parameter)' }),
});

export const RefreshTableBodySchema = z
  .strictObject({
    start: date('Backfill: first day of the range (incremental column)').optional(),
    end: date('Backfill: last day of the range, inclusive').optional(),
  })
  // Stated in the OpenAPI document too: a backfill names both days or neither.
  .meta({ dependentRequired: { start: ['end'], end: ['start'] } })
  .refine((body) => (body.start === undefined) === (body.end === undefined), {
    message: 'a backfill needs both start and end',
    path: ['start'],
  })
  .refine((body) => !body.start || !body.end || body.start <= body.end, {
    message: 'start is after end',
    path: ['end'],
  });

const Counts = {
  inserted: z.number().nullable(),
  updated: z.number().nullable(),
  unchanged: z.number().nullable(),
  deleted: z.number().nullable(),
  duplicatesDropped: z
    .number()
    .nullable()
    .meta({
      description:
        'Extracted rows whose key repeated another extracted row’s (upstream enforces no key): one row per key is ' +
        'loaded, so rowsExtracted = inserted + updated + unchanged + duplicatesDropped',
    }),
};

export const RunLogSchema = z
  .object({
    runId: z.string(),
    workflowId: z.string(),
    mode: z.string(),
    triggeredBy: z.string().nullable(),
    status: z.enum(['running', 'succeeded', 'failed', 'canceled']),
    window: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    pages: z.number(),
    rowsExtracted: z.number(),
    rowsRejected: z.number(),
    ...Counts,
    watermarkBefore: z.string().nullable(),
    watermarkAfter: z.string().nullable(),
    schemaNotes: z.string().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'EtlRunLog' });

const TableWatermark = {
  table: z.string(),
  watermark: z.string().nullable().meta({ description: 'Largest incremental value loaded (YYYY-MM-DD)' }),
  watermarkAgeDays: z.number().nullable(),
  lastSuccessAt: z.string().nullable(),
};

export const EtlStatusSchema = z
  .object({ tables: z.array(z.object({ ...TableWatermark, lastRun: RunLogSchema.nullable() })) })
  .meta({ id: 'EtlStatus' });

export const EtlTableStatusSchema = z
  .object({
    ...TableWatermark,
    lastRuns: z.array(RunLogSchema),
    running: z.array(
      z.object({
        runId: z.string(),
        workflowId: z.string().nullable(),
        pagesStaged: z.number(),
        rowsStaged: z.number(),
        rowsRejected: z.number(),
        extracted: z.boolean(),
        updatedAt: z.string(),
      }),
    ),
  })
  .meta({ id: 'EtlTableStatus' });

export const EtlHealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded', 'down']),
    bigquery: z.object({
      reachable: z.boolean(),
      evidence: z.enum(['probe', 'recent-activity', 'none']).meta({
        description:
          '`probe`: it answered now; `recent-activity`: no answer in 5 s, but a BigQuery call succeeded in the last 15 min',
      }),
      lastSuccessAt: z.string().nullable().meta({ description: 'The latest BigQuery call known to have succeeded' }),
      error: z.string().optional().meta({ description: 'Why the probe failed, when it did' }),
      probeAttempts: z.number().int(),
    }),
    database: z.boolean(),
    storage: z
      .enum(['optimal', 'basic'])
      .nullable()
      .meta({ description: '`optimal` with TimescaleDB, `basic` on plain PostgreSQL' }),
  })
  .meta({ id: 'EtlHealth' });

export const EtlTablesConfigSchema = z
  .object({
    tables: z.array(
      z.object({
        name: z.string(),
        description: z.string(),
        primaryKey: z.array(z.string()),
        incrementalColumn: z.string(),
        lookbackDays: z.number(),
        granularity: z.enum(['day', 'month']),
        timescale: z.object({ timeColumn: z.string(), chunkInterval: z.string(), retention: z.string() }).nullable(),
        columns: z.array(
          z.object({
            name: z.string(),
            bigqueryType: z.string(),
            postgresType: z.string(),
            nullable: z.boolean(),
            description: z.string(),
          }),
        ),
      }),
    ),
  })
  .meta({ id: 'EtlTablesConfig' });

export const EtlCleanupSchema = z
  .object({
    stagingDropped: z.array(z.string()),
    runsClosed: z.array(z.object({ runId: z.string(), workflowId: z.string(), status: z.string() })),
  })
  .meta({ id: 'EtlCleanup' });
