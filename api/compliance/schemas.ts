import { z } from 'zod';
import { CONFIG_STATUSES, SOURCES, STANDARDS, WORK_KINDS } from '../../lib/compliance/config';
import { CODIGO_OBRA_PATTERN } from '../../lib/compliance/rut';
import { decimalInteger, idInstantCursor, isoDate, isoInstant, MAX_ID } from '../http/schemas';
import { POINT_CODE } from '../telemetry/schemas';

/** Request and response schemas of the compliance API; what the docs show is what is validated. */

const REFERENCE = /^[A-Za-z0-9][\w.-]{0,127}$/;
const IDENTIFIER = /^[A-Za-z0-9][\w.-]{0,63}$/;
const SUBMISSION_STATUSES = ['PENDING', 'SENT', 'CONFIRMED', 'REJECTED', 'ERROR'] as const;

export const ConfigIdParams = z.strictObject({
  id: decimalInteger({ min: 1, max: MAX_ID }).meta({ example: 1 }),
});
export const SlotParams = ConfigIdParams.extend({
  slot: isoInstant.meta({
    description: 'The slot: the measurement time it reports, ISO 8601 with offset',
    example: '2026-11-22T14:00:00Z',
  }),
});

const dga = z.strictObject({
  codigoObra: z.string().regex(CODIGO_OBRA_PATTERN, 'must look like OB-0602-7 (OB or OR, 4 digits, a number)'),
  workKind: z.enum(WORK_KINDS).meta({ description: 'Groundwater, surface with flowmeter, or surface' }),
});
const sma = z.strictObject({
  ufId: z.string().regex(IDENTIFIER, 'must be 1-64 letters, digits, _ . or -'),
  procesoId: z.string().regex(IDENTIFIER, 'must be 1-64 letters, digits, _ . or -'),
  dispositivoId: z.string().regex(IDENTIFIER, 'must be 1-64 letters, digits, _ . or -'),
  parameters: z
    .array(z.enum(['Q', 'VA', 'NF']))
    .min(1)
    .max(3)
    .refine((list) => new Set(list).size === list.length, 'must not repeat a parameter')
    .optional()
    .meta({
      uniqueItems: true,
      description:
        'What the device reports in each call: Q (flow, l/s), VA (totalizer, m³), NF (level, m). Default all three',
    }),
});
const credentialsRef = z
  .string()
  .regex(REFERENCE, 'must be the name of an entry of CREDENTIALS_FILE (never the secret itself)')
  .meta({ description: 'Name of the CREDENTIALS_FILE entry with the RUTs and password', example: 'dga-informant' });

export const CreateConfigSchema = z
  .strictObject({
    pointCode: z.string().regex(POINT_CODE, 'must be 1-64 letters, digits, - or _'),
    source: z.enum(SOURCES),
    standard: z.enum(STANDARDS).meta({ description: 'DGA: MAYOR, MEDIO, MENOR, CAUDALES_MUY_PEQUENOS; SMA: SMA' }),
    dga: dga.optional(),
    sma: sma.optional(),
    credentialsRef,
    activeFrom: isoDate('First day reported, on the regulator’s UTC−4 calendar'),
    activeTo: isoDate('Last day reported (inclusive); omit for open-ended').nullable().optional(),
  })
  .superRefine((body, ctx) => {
    if (body.source === 'DGA') {
      if (!body.dga) ctx.addIssue({ code: 'custom', path: ['dga'], message: 'is required for the DGA' });
      if (body.sma) ctx.addIssue({ code: 'custom', path: ['sma'], message: 'is only for the SMA' });
      if (body.standard === 'SMA')
        ctx.addIssue({ code: 'custom', path: ['standard'], message: 'is not a DGA standard' });
    } else {
      if (!body.sma) ctx.addIssue({ code: 'custom', path: ['sma'], message: 'is required for the SMA' });
      if (body.dga) ctx.addIssue({ code: 'custom', path: ['dga'], message: 'is only for the DGA' });
      if (body.standard !== 'SMA') ctx.addIssue({ code: 'custom', path: ['standard'], message: 'must be SMA' });
    }
    if (body.activeTo && body.activeTo < body.activeFrom)
      ctx.addIssue({ code: 'custom', path: ['activeTo'], message: 'must not be before activeFrom' });
  });

export const UpdateConfigSchema = z
  .strictObject({
    standard: z.enum(STANDARDS).optional(),
    dga: dga.optional(),
    sma: sma.optional(),
    credentialsRef: credentialsRef.optional(),
    activeFrom: isoDate('First day reported').optional(),
    activeTo: isoDate('Last day reported (inclusive); null for open-ended').nullable().optional(),
    status: z
      .enum(['ACTIVE', 'INACTIVE'])
      .optional()
      .meta({ description: 'ACTIVE also resumes a configuration BLOCKED by a configuration error' }),
  })
  .refine((body) => Object.keys(body).length > 0, 'name at least one field to change')
  .meta({ minProperties: 1 });

export const ConfigSchema = z
  .object({
    id: z.number(),
    pointCode: z.string(),
    source: z.string(),
    standard: z.string(),
    manual: z.boolean().meta({ description: 'Reported through the regulator’s web form: never sent by this system' }),
    dga: z.object({ codigoObra: z.string(), workKind: z.string() }).nullable(),
    sma: z
      .object({ ufId: z.string(), procesoId: z.string(), dispositivoId: z.string(), parameters: z.array(z.string()) })
      .nullable(),
    credentialsRef: z.string(),
    activeFrom: z.string(),
    activeTo: z.string().nullable(),
    status: z.enum(CONFIG_STATUSES),
    blockedReason: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ComplianceConfig' });

export const ConfigListQuery = z.strictObject({
  point: z.string().regex(POINT_CODE).optional(),
  source: z.enum(SOURCES).optional(),
  status: z.enum(CONFIG_STATUSES).optional(),
  limit: decimalInteger({ min: 1, max: 1000 }).default(100),
  offset: decimalInteger({ min: 0, max: 10_000_000 }).default(0),
});
export const ConfigListSchema = z
  .object({ items: z.array(ConfigSchema), total: z.number() })
  .meta({ id: 'ComplianceConfigList' });

export const SourceListSchema = z
  .object({
    items: z.array(
      z.object({ code: z.string(), name: z.string(), variables: z.array(z.string()), active: z.boolean() }),
    ),
  })
  .meta({ id: 'ComplianceSourceList' });

const AttemptSchema = z.object({
  kind: z.string().meta({ description: 'SUBMIT or VERIFY' }),
  attempt: z.number(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  outcome: z.string(),
  httpStatus: z.number().nullable(),
  answer: z.unknown().meta({ description: 'The regulator’s answer body (never a credential)' }),
  receipt: z.string().nullable(),
});

export const SubmissionSchema = z
  .object({
    configId: z.number(),
    slot: z.string(),
    status: z.enum(SUBMISSION_STATUSES),
    reason: z.string().nullable(),
    payload: z.unknown().meta({ description: 'The body sent, without its `autenticacion` block' }),
    receipt: z.string().nullable(),
    attempts: z.array(AttemptSchema),
    nextAttemptAt: z.string().nullable(),
    acceptedAt: z.string().nullable(),
    confirmedAt: z.string().nullable(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ComplianceSubmission' });

export const SubmissionsQuery = z.strictObject({
  config: decimalInteger({ min: 1, max: MAX_ID }).optional(),
  status: z.enum(SUBMISSION_STATUSES).optional(),
  from: isoInstant.optional().meta({ description: 'Slots at or after, ISO 8601 with offset' }),
  to: isoInstant.optional().meta({ description: 'Slots before, ISO 8601 with offset' }),
  limit: decimalInteger({ min: 1, max: 500 }).default(100),
  after: idInstantCursor.optional(),
});
export const SubmissionListSchema = z
  .object({
    items: z.array(SubmissionSchema),
    next: z.string().nullable().meta({ description: 'Pass as `after` for the next page; null on the last' }),
  })
  .meta({ id: 'ComplianceSubmissionList' });

export const ConfigStatusSchema = z
  .object({
    config: ConfigSchema,
    sending: z.object({
      state: z.string().meta({
        description:
          'Where its sending stands: `sending`, `idle`, `waiting-spacing`, `waiting-retry`, `waiting-data`, `failing`, ' +
          '`blocked`, `stopped`; `not-running` if no compliance sender runs; when no worker answers the sender in ' +
          '3 s, `busy` if a worker polled its queue in the last 2 minutes (replaying, loaded), else `no-worker`',
      }),
      workflowId: z.string().meta({ description: 'The compliance sender' }),
      nextWakeAt: z.string().nullable().meta({ description: 'When the sender looks at this work again' }),
    }),
    nextSlot: z.string().nullable().meta({ description: 'The next slot the sending rules will send, and when' }),
    nextAttemptAt: z.string().nullable(),
    backlog: z.number().meta({ description: 'Slots due and not accepted yet' }),
    counts: z.record(z.string(), z.number()).meta({ description: 'Ledger rows by status' }),
    lastReceipt: z.object({ slot: z.string(), receipt: z.string(), acceptedAt: z.string().nullable() }).nullable(),
  })
  .meta({ id: 'ComplianceConfigStatus' });

export const SubmitAcceptedSchema = z
  .object({
    configId: z.number(),
    slot: z.string(),
    workflowId: z.string(),
    message: z.string(),
  })
  .meta({ id: 'ComplianceSubmitAccepted' });

export const ReportsQuery = z.strictObject({
  date: isoDate('The reported day, on the regulator’s UTC−4 calendar'),
  config: decimalInteger({ min: 1, max: MAX_ID }).optional(),
});
export const ReportSchema = z
  .object({
    date: z.string(),
    configId: z.number(),
    pointCode: z.string(),
    source: z.string(),
    standard: z.string(),
    expected: z.number(),
    sent: z.number(),
    confirmed: z.number(),
    rejected: z.number(),
    missing: z.number(),
    late: z.number(),
    details: z.record(z.string(), z.unknown()),
    computedAt: z.string(),
  })
  .meta({ id: 'ComplianceReport' });
export const ReportListSchema = z
  .object({
    date: z.string(),
    provisional: z.boolean().meta({
      description: 'True for a day without a stored report yet (today): the counts are what the ledger says now',
    }),
    items: z.array(ReportSchema),
  })
  .meta({ id: 'ComplianceReportList' });
