import { Context } from '@temporalio/activity';
import type { Config } from '../../lib/config';
import { heartbeatWhile } from '../heartbeat';
import type { Database } from '../../lib/db';
import { NonRetryableError } from '../../lib/errors';
import { maskSecrets, secretValuesOf } from '../../lib/telemetry/mask';
import type { Frequency, Provider } from '../../lib/telemetry/providers';
import { createNotificationActivities } from '../../platform/notifications/delivery';
import { createCredentialsStore } from '../../platform/credentials';
import { checkHealth, type HealthResult } from './health';
import { pollPoint } from './poll';
import { enqueueDailySummaries } from './summary';
import { reprocessPoint, type ReprocessInput, type ReprocessResult } from './reprocess';
import { backfillPoint, type BackfillInput, type BackfillProgress } from './backfill';
import { createProviderAdapters } from './providers';
import {
  cleanupRawReadings,
  listActivePointCodes,
  loadPoints,
  recordPointHealth,
  type PointRow,
} from '../../data/telemetry';

export interface TelemetryActivityDeps {
  config: Config;
  db: Database;
  /** @default () => new Date() */
  now?: () => Date;
}

export interface PointBatch {
  provider: Provider;
  codes: string[];
}

export interface PollBatchInput extends PointBatch {
  /** Points of the batch polled at once. @default 4 */
  concurrency?: number;
  /** Where a point's first poll starts. @default 60 */
  initialLookbackMinutes?: number;
}

export interface PointOutcome {
  code: string;
  ok: boolean;
  readings: number;
  measurements: number;
  alertsOpened: number;
  /** Why it failed: the error's type (`BadCredentials`, …) and message; never a secret. */
  errorType?: string;
  error?: string;
}

/**
 * The telemetry activities. Credentials are resolved here from CREDENTIALS_FILE by reference;
 * the workflow only ever sees point codes and counts. One activity polls a batch of points of
 * one provider, each point on its own (one's failure is its outcome, not the batch's), and
 * heartbeats after each point so a dead worker is noticed within the heartbeat timeout.
 */
export function createTelemetryActivities({ config, db, now = () => new Date() }: TelemetryActivityDeps) {
  const credentials = createCredentialsStore(config.credentialsFile);
  // Shared by every activity on this worker, so one login serves every point of an account.
  const adapters = createProviderAdapters(new Map());

  return {
    ...createNotificationActivities({ config, db, now }),

    async checkTelemetryHealth(): Promise<HealthResult> {
      return heartbeatWhile(checkHealth(db, now()));
    },

    /** Deletes raw readings older than `retentionDays` (30) before `asOf`. */
    async cleanupTelemetryRawReadings(input: { asOf: string; retentionDays: number }): Promise<{ deleted: number }> {
      const olderThan = new Date(Date.parse(input.asOf) - input.retentionDays * 86_400_000);
      return { deleted: await heartbeatWhile(cleanupRawReadings(db, olderThan)) };
    },

    /** Writes the daily summaries of `day` (the scheduled 08:00 of PIPELINES_TZ is `until`). */
    async enqueueTelemetryDailySummaries(input: { day: string; until: string }): Promise<{ enqueued: number }> {
      return { enqueued: await enqueueDailySummaries(db, input.day, new Date(input.until)) };
    },

    /** Loads a point's history chunk by chunk; heartbeats its progress, and a retry resumes from it. */
    async backfillTelemetryPoint(input: BackfillInput): Promise<BackfillProgress> {
      const context = Context.current();
      const [point] = await loadPoints(db, [input.code]);
      if (!point) throw new Error(`point ${input.code} no longer exists`);
      let last = context.info.heartbeatDetails as BackfillProgress | undefined;
      const http = { signal: context.cancellationSignal, onWait: () => context.heartbeat(last) };
      const deps = {
        db,
        adapter: adapters[point.provider],
        credentials,
        http,
        now,
        progress: (p: BackfillProgress) => {
          last = p;
          context.heartbeat(p);
        },
      };
      return heartbeatWhile(backfillPoint(deps, input, last), () => last);
    },

    async reprocessTelemetryPoint(input: ReprocessInput): Promise<ReprocessResult> {
      const context = Context.current();
      return heartbeatWhile(reprocessPoint(db, input), () => ({ point: input.code, attempt: context.info.attempt }));
    },

    async listTelemetryPointBatches(input: { frequency: Frequency; batchSize: number }): Promise<PointBatch[]> {
      const rows = await listActivePointCodes(db, input.frequency);
      const batches: PointBatch[] = [];
      for (const { provider, codes } of rows)
        for (let i = 0; i < codes.length; i += input.batchSize)
          batches.push({ provider, codes: codes.slice(i, i + input.batchSize) });
      return batches;
    },

    async pollTelemetryBatch(input: PollBatchInput): Promise<PointOutcome[]> {
      // What a failed point's error must not repeat: its credentials and, for ThingsBoard, the device token.
      const secretsOf = (point: PointRow) => {
        let entry: unknown;
        try {
          entry = credentials.resolve(point.credentialsRef);
        } catch {
          entry = undefined;
        }
        return [...secretValuesOf(entry), point.deviceId];
      };
      const context = Context.current();
      const signal = context.cancellationSignal;
      const points = new Map((await loadPoints(db, input.codes)).map((point) => [point.code, point]));
      const outcomes: PointOutcome[] = [];
      const queue = [...input.codes];
      const heartbeat = (waiting?: string) =>
        context.heartbeat({ done: outcomes.length, of: input.codes.length, waiting });
      heartbeat();
      const http = { signal, onWait: (reason: string) => heartbeat(reason) };
      const worker = async () => {
        for (let code = queue.shift(); code !== undefined; code = queue.shift()) {
          signal.throwIfAborted();
          const point = points.get(code);
          try {
            if (!point) throw new Error('point no longer exists');
            const result = await pollPoint(
              {
                db,
                adapter: adapters[point.provider],
                credentials,
                http,
                now,
                initialLookbackMinutes: input.initialLookbackMinutes ?? 60,
              },
              point,
            );
            outcomes.push({
              code,
              ok: true,
              readings: result.readings,
              measurements: result.measurements,
              alertsOpened: result.alertsOpened,
            });
          } catch (error) {
            if (signal.aborted) throw error;
            outcomes.push({
              code,
              ok: false,
              readings: 0,
              measurements: 0,
              alertsOpened: 0,
              errorType: error instanceof NonRetryableError ? error.type : (error as Error).name,
              error: maskSecrets((error as Error).message, point ? secretsOf(point) : []).slice(0, 300),
            });
          }
          heartbeat();
        }
      };
      await Promise.all(Array.from({ length: Math.min(input.concurrency ?? 4, input.codes.length) }, worker));
      await recordPointHealth(db, outcomes);
      return outcomes;
    },
  };
}
