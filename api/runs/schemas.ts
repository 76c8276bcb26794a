import { z } from 'zod';
import { TASK_QUEUES, TRIGGERS } from '../../lib/families';
import { decimalInteger, isoDate } from '../http/schemas';
import { RUN_STATUSES, TARGET_PATTERN } from './visibility-query';

export const RunsQuerySchema = z.strictObject({
  pipeline: z.enum(TASK_QUEUES).optional().meta({ description: 'The family (`Pipeline` search attribute)' }),
  status: z.enum(RUN_STATUSES).optional().meta({ description: 'Temporal `ExecutionStatus`' }),
  target: z
    .string()
    .regex(TARGET_PATTERN, 'must be letters, digits and . _ : / - (at most 128)')
    .optional()
    .meta({ description: '`PipelineTarget`: table, category, point or config', example: 'dashboard_data' }),
  businessDate: isoDate('`BusinessDate`').optional(),
  triggeredBy: z.enum(TRIGGERS).optional(),
  limit: decimalInteger({ min: 1, max: 200 }).default(50).meta({ description: 'At most this many runs, newest first' }),
});

export const WorkflowIdParamsSchema = z.strictObject({
  workflowId: z
    .string()
    .min(1)
    .max(1000)
    .meta({ description: 'URL-encoded workflow id', example: 'metrics-daily%2F2026-11-22' }),
});

const runSummaryShape = {
  workflowId: z.string(),
  runId: z.string(),
  type: z.string().meta({ description: 'Workflow type' }),
  status: z.enum([...RUN_STATUSES, 'Paused', 'Unknown']),
  taskQueue: z.string(),
  startTime: z.string(),
  closeTime: z.string().nullable(),
  pipeline: z.string().nullable(),
  target: z.string().nullable(),
  businessDate: z.string().nullable(),
  triggeredBy: z.string().nullable(),
  statusUrl: z.string(),
  temporalUiUrl: z.string(),
};

export const RunSummarySchema = z.object(runSummaryShape).meta({ id: 'RunSummary' });

const FailureLinkSchema = z.object({
  type: z.string().nullable().meta({ example: 'ActivityFailure' }),
  message: z.string(),
});

const RunFailureSchema = z
  .object({
    type: z.string().nullable().meta({ description: 'The root cause’s type', example: 'SuspiciousDeletion' }),
    message: z.string().meta({ description: 'The root cause’s message' }),
    summary: z.string().meta({
      description: '`type: message` of the root cause',
      example: 'SuspiciousDeletion: evolution_data: nothing deleted: …',
    }),
    chain: z.array(FailureLinkSchema).meta({ description: 'Every link of the cause chain, outermost first' }),
  })
  .nullable()
  .meta({ id: 'RunFailure', description: 'Why the run failed, timed out, was terminated or canceled' });

export const RunListItemSchema = z
  .object({ ...runSummaryShape, failure: RunFailureSchema })
  .meta({ id: 'RunListItem' });

export const RunListSchema = z
  .object({
    items: z.array(RunListItemSchema),
    query: z
      .string()
      .meta({ description: 'The visibility query used; paste it into the Temporal UI to see the same runs' }),
  })
  .meta({ id: 'RunList' });

const PendingActivitySchema = z
  .object({
    activityId: z.string(),
    activityType: z.string(),
    state: z.string().meta({ example: 'STARTED' }),
    attempt: z.number().int(),
    maximumAttempts: z.number().int().meta({ description: '0 means unlimited' }),
    scheduledTime: z.string().nullable(),
    lastStartedTime: z.string().nullable(),
    lastHeartbeatTime: z.string().nullable(),
    heartbeatDetails: z
      .unknown()
      .meta({ description: 'The progress the activity last reported (rows, pages, offsets)' }),
    lastFailure: z.string().nullable(),
  })
  .meta({ id: 'PendingActivity' });

export const RunDetailSchema = z
  .object({
    ...runSummaryShape,
    historyLength: z.number().int(),
    cancelRequested: z.boolean(),
    memo: z.record(z.string(), z.unknown()),
    pendingActivities: z.array(PendingActivitySchema),
    result: z.unknown().meta({ description: 'The result, once completed' }),
    failure: RunFailureSchema,
  })
  .meta({ id: 'RunDetail' });
