import { z } from 'zod';
import { FREQUENCIES, POINT_STATUSES, POINT_TYPES, PROVIDERS } from '../../lib/telemetry/providers';
import { decimalInteger, isoInstant, plainText } from '../http/schemas';

/** Request and response schemas of the telemetry API; what the docs show is what is validated. */

export const POINT_CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const REFERENCE = /^[A-Za-z0-9][\w.-]{0,127}$/;

export const PointCodeParams = z.strictObject({
  code: z.string().regex(POINT_CODE, 'must be 1-64 letters, digits, - or _').meta({ example: 'TWIN-1' }),
});
export const TemplateNameParams = z.strictObject({
  name: z.string().regex(REFERENCE, 'must be 1-128 letters, digits, ., - or _'),
});
export const FrequencyParams = z.strictObject({
  frequency: z.enum(FREQUENCIES.map(String) as ['1', '5', '60']).meta({ description: 'Minutes: 1, 5 or 60' }),
});

// Bounds as checks, not refinements, so the OpenAPI document states them (zod numbers are finite).
const finite = z.number();
const nonNegative = z.number().min(0, 'must not be negative');
const positive = z.number().gt(0, 'must be positive');
const decimals = (places: number) => (value: number) =>
  Math.abs(value * 10 ** places - Math.round(value * 10 ** places)) < 1e-6;

const VariableSettings = z.strictObject({
  unit: plainText({ min: 1, max: 20 }).optional(),
  min: finite.optional(),
  max: finite.optional(),
  rules: z
    .array(z.string().regex(/^[A-Z_]{1,64}$/))
    .max(20)
    .optional(),
  alertThreshold: finite.nullable().optional(),
  resetThreshold: finite.nullable().optional(),
  pulse: z
    .strictObject({
      pulsesPerLitre: positive.optional(),
      litresPerPulse: positive.optional(),
      calibrationFactor: positive.optional(),
    })
    .nullable()
    .optional(),
});

/** A template's settings or a point's overrides: any part of the configuration, merged over the defaults. */
export const ConfigPatchSchema = z
  .strictObject({
    variables: z
      .strictObject({
        flow: VariableSettings.optional(),
        total: VariableSettings.optional(),
        level: VariableSettings.optional(),
      })
      .optional(),
    registerMax: positive.nullable().optional(),
    maxM3PerHour: positive.optional(),
    reconnectionMinutes: positive.optional(),
    installationDepth: nonNegative.nullable().optional(),
    flowTotalTolerance: positive.optional(),
    levelChangeThreshold: positive.optional(),
  })
  .meta({
    id: 'TelemetryConfigPatch',
    description: 'Deep-merged over the template (and the template over the defaults)',
  });

const latitude = z
  .number()
  .min(-90, 'must be from -90 to 90')
  .max(90, 'must be from -90 to 90')
  .refine(decimals(8), 'at most 8 decimals')
  .meta({ example: -33.45 });
const longitude = z
  .number()
  .min(-180, 'must be from -180 to 180')
  .max(180, 'must be from -180 to 180')
  .refine(decimals(8), 'at most 8 decimals')
  .meta({ example: -70.66 });
const altitude = z
  .number()
  .min(-500, 'must be from -500 to 9000 m')
  .max(9000, 'must be from -500 to 9000 m')
  .refine(decimals(2), 'at most 2 decimals');

const pointFields = {
  name: plainText({ min: 1, max: 200 }),
  type: z.enum(POINT_TYPES),
  latitude,
  longitude,
  altitude: altitude.nullable().optional(),
  provider: z.enum(PROVIDERS),
  deviceId: z.string().regex(/^[\w.:-]{1,128}$/, 'must be 1-128 letters, digits, _ . : or -'),
  credentialsRef: z
    .string()
    .regex(REFERENCE, 'must be the name of an entry of CREDENTIALS_FILE (never the secret itself)'),
  status: z.enum(POINT_STATUSES).default('ACTIVE'),
  frequency: z.union(FREQUENCIES.map((f) => z.literal(f)) as [z.ZodLiteral<1>, z.ZodLiteral<5>, z.ZodLiteral<60>]),
  template: z.string().regex(REFERENCE).nullable().optional(),
  overrides: ConfigPatchSchema.optional(),
};

export const CreatePointSchema = z.strictObject({
  code: PointCodeParams.shape.code,
  ...pointFields,
});

export const UpdatePointSchema = z
  .strictObject({
    name: pointFields.name.optional(),
    type: pointFields.type.optional(),
    latitude: latitude.optional(),
    longitude: longitude.optional(),
    altitude: pointFields.altitude,
    deviceId: pointFields.deviceId.optional(),
    credentialsRef: pointFields.credentialsRef.optional(),
    status: z.enum(POINT_STATUSES).optional(),
    frequency: pointFields.frequency.optional(),
    template: pointFields.template,
    overrides: ConfigPatchSchema.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'name at least one field to change')
  .meta({ minProperties: 1 });

export const PointSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    type: z.string(),
    latitude: z.number(),
    longitude: z.number(),
    altitude: z.number().nullable(),
    provider: z.string(),
    deviceId: z.string(),
    credentialsRef: z.string(),
    status: z.string(),
    frequency: z.number(),
    template: z.string().nullable(),
    overrides: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'TelemetryPoint' });

export const PointDetailSchema = PointSchema.extend({
  effectiveConfig: z.record(z.string(), z.unknown()),
  configVersion: z.string(),
}).meta({ id: 'TelemetryPointDetail' });

export const PointListQuery = z.strictObject({
  status: z.enum(POINT_STATUSES).optional(),
  provider: z.enum(PROVIDERS).optional(),
  frequency: FrequencyParams.shape.frequency.optional(),
  limit: decimalInteger({ min: 1, max: 1000 }).default(100),
  offset: decimalInteger({ min: 0, max: 10_000_000 }).default(0),
});
export const PointListSchema = z
  .object({ items: z.array(PointSchema), total: z.number() })
  .meta({ id: 'TelemetryPointList' });

/** The old service's `GET /points/active`: `{points, total, filters}`. */
export const ActivePointsQuery = z.strictObject({
  frequency: FrequencyParams.shape.frequency.optional(),
  provider: z.enum(PROVIDERS).optional(),
});
export const ActivePointsSchema = z
  .object({
    points: z.array(
      z.object({ id: z.string(), title: z.string(), provider: z.string(), frequency: z.string(), type: z.string() }),
    ),
    total: z.number(),
    filters: z.object({ frequency: z.string().nullable(), provider: z.string().nullable() }),
  })
  .meta({ id: 'TelemetryActivePoints' });

export const TemplateBodySchema = z.strictObject({
  description: plainText({ max: 500 }).default(''),
  config: ConfigPatchSchema,
});
export const CreateTemplateSchema = z.strictObject({
  name: TemplateNameParams.shape.name,
  ...TemplateBodySchema.shape,
});
export const TemplateSchema = z
  .object({ name: z.string(), description: z.string(), config: z.record(z.string(), z.unknown()) })
  .meta({ id: 'TelemetryTemplate' });
export const TemplateListSchema = z.object({ items: z.array(TemplateSchema) }).meta({ id: 'TelemetryTemplateList' });

export const MeasurementsQuery = z.strictObject({
  variable: z.enum(['flow', 'total', 'level', 'depth']).optional(),
  from: isoInstant.optional().meta({ description: 'Inclusive, ISO 8601 with offset' }),
  to: isoInstant.optional().meta({ description: 'Exclusive, ISO 8601 with offset' }),
  limit: decimalInteger({ min: 1, max: 5000 }).default(500),
  after: isoInstant.optional().meta({ description: 'Page cursor: the `next` of the previous page' }),
});
export const MeasurementListSchema = z
  .object({
    items: z.array(
      z.object({
        variable: z.string(),
        measuredAt: z.string(),
        value: z.number().nullable(),
        rawValue: z.unknown(),
        quality: z.number(),
        flags: z.array(z.string()),
        provider: z.string(),
        configVersion: z.string(),
      }),
    ),
    next: z.string().nullable().meta({ description: 'Pass as `after` for the next page; null on the last' }),
  })
  .meta({ id: 'TelemetryMeasurementList' });

export const AlertsQuery = z.strictObject({
  status: z.enum(['OPEN', 'RESOLVED']).optional(),
  point: PointCodeParams.shape.code.optional(),
  limit: decimalInteger({ min: 1, max: 1000 }).default(100),
});
export const AlertListSchema = z
  .object({
    items: z.array(
      z.object({
        id: z.string(),
        point: z.string().nullable().meta({ description: 'Null for an alert about a provider' }),
        provider: z
          .string()
          .nullable()
          .meta({ description: 'Set for an alert about a provider as a whole (PROVIDER_DOWN)' }),
        variable: z.string(),
        rule: z.string(),
        severity: z.string(),
        status: z.string(),
        message: z.string(),
        firstAt: z.string(),
        lastAt: z.string(),
        count: z.number(),
        resolvedAt: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'TelemetryAlertList' });

export const StatsSchema = z
  .object({
    pointsByStatus: z.record(z.string(), z.number()),
    readingsLastHourByProvider: z.record(z.string(), z.number()),
    openAlerts: z.number(),
    lastCycles: z.record(
      z.string(),
      z.object({ workflowId: z.string(), status: z.string(), startTime: z.string().nullable() }).nullable(),
    ),
  })
  .meta({ id: 'TelemetryStats' });

const YEAR_MS = 366 * 86_400_000;
export const ReprocessBodySchema = z
  .strictObject({
    from: isoInstant.meta({ description: 'Inclusive, ISO 8601 with offset', example: '2026-11-01T00:00:00Z' }),
    to: isoInstant.meta({ description: 'Exclusive, ISO 8601 with offset', example: '2026-11-02T00:00:00Z' }),
  })
  .refine((body) => Date.parse(body.from) >= Date.parse('2000-01-01T00:00:00Z'), {
    path: ['from'],
    message: 'must not be before 2000-01-01',
  })
  .refine((body) => Date.parse(body.from) < Date.parse(body.to), { path: ['to'], message: 'must be after from' })
  .refine((body) => Date.parse(body.to) - Date.parse(body.from) <= YEAR_MS, {
    path: ['to'],
    message: 'the range spans at most 366 days',
  });
