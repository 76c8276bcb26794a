import { z } from 'zod';
import { decimalInteger } from '../http/schemas';
import { RunSummarySchema } from '../runs/schemas';

export const CvRejectsQuerySchema = z.strictObject({
  limit: decimalInteger({ min: 1, max: 1000 }).default(100).meta({ description: 'At most this many, newest first' }),
});

export const CvAnalyticsQuerySchema = z.strictObject({
  days: decimalInteger({ min: -1_000_000, max: 36_600 })
    .default(7)
    .meta({ description: 'The last N local days, today included; 0 or less means all data (seed semantics)' }),
});

export const CvStatusSchema = z
  .object({
    ingest: z.object({
      highWatermark: z.number().meta({ description: 'Every event with recordId <= this is stored or rejected' }),
      loadInProgress: z
        .object({ top: z.number(), floor: z.number(), low: z.number().nullable(), nextOffset: z.number() })
        .nullable()
        .meta({
          description: 'An unfinished load: (floor, top] partly stored down to `low`; it resumes at `nextOffset`',
        }),
      eventsStored: z.number(),
      eventsRejected: z.number(),
      lastLoadStartedAt: z.string().nullable(),
      lastLoadFinishedAt: z.string().nullable(),
    }),
    merges: z.array(
      z.object({
        category: z.string(),
        table: z.string(),
        watermark: z.number().meta({ description: 'Every event with recordId <= this is merged' }),
        merged: z.number(),
        namesFilled: z.number(),
        updatedAt: z.string(),
      }),
    ),
    ottRollups: z.object({
      days: z.number(),
      firstDate: z.string().nullable(),
      lastDate: z.string().nullable(),
      pendingDays: z.number(),
    }),
    lastRuns: z.array(RunSummarySchema),
  })
  .meta({ id: 'CvStatus' });

export const CvRejectListSchema = z
  .object({
    items: z.array(
      z.object({
        key: z.string(),
        recordId: z.number().nullable(),
        reason: z.string(),
        raw: z.string(),
        rejectedAt: z.string(),
      }),
    ),
  })
  .meta({ id: 'CvRejectList' });

const Figure = z.object({
  graph: z.string().meta({ description: 'Plotly figure JSON (`data` + `layout`), as a string' }),
});

export const CvOttAnalyticsSchema = z
  .object({
    totals: z.record(z.string(), z.unknown()).meta({
      description:
        '`totaldurationott`, `franjahorariaott` (hours per band + pie `graph`), `franjahorariaeventott<band>` (hours per dataName), `countchannels<band>` (events per dataName); band suffixes madrugada, mañana, tarde, noche',
    }),
    events: z.object({
      listOTT: z.record(z.string(), z.number()),
      listCountEventOTT: z.record(z.string(), z.number()),
    }),
    graphs: z
      .record(z.string(), Figure)
      .meta({ description: '`graphott` and `graphott<Band>`: bars of hours and a line of counts per channel' }),
  })
  .meta({ id: 'CvOttAnalytics' });
