import { z } from 'zod';

const status = z.enum(['ok', 'degraded', 'down']);
const probe = z.object({ status, latencyMs: z.number().int() });

export const HealthSchema = z
  .object({
    status: status.meta({
      description: '`down` (HTTP 503) when the database or Temporal is; `degraded` when schedules are',
    }),
    checks: z.object({
      database: probe,
      temporal: probe,
      schedules: z.object({
        status,
        missing: z.array(z.string()).meta({ description: 'Declared but not in Temporal' }),
        paused: z.array(z.string()),
        lastCanaryAt: z.string().nullable().meta({ description: 'When the platform canary last wrote its row' }),
        canary: z
          .enum(['ok', 'waiting', 'late', 'unknown', 'not-declared'])
          .meta({ description: "`late` after two missed canary runs; `waiting` for a new schedule's first run" }),
      }),
    }),
    components: z
      .object({
        scheduler: z
          .enum(['running', 'stopped'])
          .meta({ description: '`running` when Temporal answers for the schedules' }),
        batch_jobs: z
          .number()
          .int()
          .meta({ description: 'Metrics batch schedules applied and not paused (3 when all are)', example: 3 }),
      })
      .meta({ description: 'Seed 003’s health fields, kept for its clients' }),
  })
  .meta({ id: 'Health' });
