import { z } from 'zod';

export const isoInstant = z.iso.datetime({ offset: true });

/** What every action answers (202): where to follow the run it started. */
export const ActionAcceptedSchema = z
  .object({
    workflowId: z.string().nullable().meta({ description: 'Null when the run was not seen starting in time' }),
    runId: z.string().nullable(),
    statusUrl: z.string().meta({ example: '/api/v1/runs/metrics-daily%2F2026-11-22' }),
    temporalUiUrl: z.string(),
  })
  .meta({ id: 'ActionAccepted' });
