import { z } from 'zod';
import { EARLIEST_DATE, isoDate, isoInstant } from '../http/schemas';
import { MAX_BACKFILL_DAYS } from './backfill-window';

export const ScheduleIdParamsSchema = z.strictObject({
  id: z.string().min(1).max(200).meta({ description: 'A declared schedule id', example: 'platform-canary' }),
});

export const ScheduleNoteBodySchema = z.strictObject({
  note: z.string().trim().min(1).max(500).optional().meta({ description: 'Why; shown in the Temporal UI' }),
});

const instantOrDate = (description: string) =>
  z.union([isoInstant, isoDate(description)]).meta({
    description: `${description}: an ISO instant with offset, or a date YYYY-MM-DD (midnight in PIPELINES_TZ)`,
    example: '2026-11-01',
  });

export const BackfillBodySchema = z.strictObject({
  start: instantOrDate(`Included; not before ${EARLIEST_DATE}`),
  end: instantOrDate(`Excluded; at least an hour ago, at most ${MAX_BACKFILL_DAYS} days after start`),
});

const scheduleRunShape = { workflowId: z.string(), runId: z.string(), statusUrl: z.string() };

export const ScheduleViewSchema = z
  .object({
    id: z.string(),
    description: z.string(),
    workflowType: z.string(),
    taskQueue: z.string(),
    target: z.string(),
    calendars: z.array(z.record(z.string(), z.unknown())).meta({ description: 'As declared in code' }),
    temporalUiUrl: z.string(),
    state: z.enum(['applied', 'missing']).meta({ description: '`missing`: declared but not applied to Temporal' }),
    timeZone: z.string(),
    paused: z.boolean().nullable(),
    note: z.string().nullable(),
    createdAt: z.string().nullable(),
    nextActionTimes: z.array(z.string()).meta({ description: 'The next 5' }),
    recentActions: z
      .array(z.object({ scheduledAt: z.string(), takenAt: z.string(), ...scheduleRunShape }))
      .meta({ description: 'Newest first' }),
    runningWorkflows: z.array(z.object(scheduleRunShape)),
  })
  .meta({ id: 'Schedule' });

export const ScheduleListSchema = z.object({ items: z.array(ScheduleViewSchema) }).meta({ id: 'ScheduleList' });

export const BackfillAcceptedSchema = z
  .object({
    scheduleId: z.string(),
    start: z.string(),
    end: z.string(),
    runs: z.number().int().meta({ description: 'How many runs the backfill starts, as Temporal counts them' }),
    statusUrl: z.string(),
    temporalUiUrl: z.string(),
  })
  .meta({ id: 'BackfillAccepted' });
