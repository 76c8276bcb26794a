import { Context, log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Config } from '../../lib/config';
import type { Database } from '../../lib/db';
import { connectClient } from '../../lib/temporal';
import { claimedBy, listUnverifiedSlots, nextDueAt, wakeWorks } from '../../data/compliance';
import { ensureComplianceSender } from '../../platform/compliance-sender';
import { createNotificationActivities } from '../../platform/notifications/delivery';
import { heartbeatWhile } from '../heartbeat';
import { createCredentialsStore } from '../../platform/credentials';
import { createComplianceReportActivities } from './report';
import { sendDueWorks, sendRequestedSlot, type SendDeps } from './sender';
import { createSmaClient } from './sma-client';
import { verifyComplianceSlot, type VerifyOutcome } from './verify';

export interface ComplianceActivityDeps {
  config: Config;
  db: Database;
  /** @default () => new Date() */
  now?: () => Date;
  /** How often a slot whose data never came is looked at again. @default 15 minutes */
  dataRecheckMs?: number;
  /** Per regulator request. @default 30 seconds */
  httpTimeoutMs?: number;
  /** A work whose run failed before an answer (e.g. DGA_BASE_URL unset) rests this long. @default 30 seconds */
  failureRestMs?: number;
  /** For the ensure activity; connected from the configuration on first use when absent. */
  client?: Client;
}

/** Works a batch sends at once; the sender runs 10 batches, so at most 100 works are in flight. */
export const BATCH_LANES = 10;
/** A batch stops claiming after this long, so the sender's history shows its progress. */
const BATCH_MAX_MS = 5 * 60_000;

export interface BatchResult {
  works: number;
  /** Sends by outcome (`ACCEPTED+CONFIRMED`, `NO_ANSWER`, `DEFERRED`…). */
  sends: Record<string, number>;
  /** Works whose run failed before an answer; they rest and are sent again. */
  failed: { configId: string; error: string }[];
  /** When the next work nobody holds comes due (null: none until a configuration changes). */
  nextAt: string | null;
}

/**
 * The compliance activities: the sender claims the due works and sends them in batches (a thousand
 * works' hour is a dozen activities, not thousands); an operator's slot request is one activity.
 * Credentials are resolved here, by reference; workflows see ids, slots, outcomes and receipts only.
 */
export function createComplianceActivities(deps: ComplianceActivityDeps) {
  const { config, db } = deps;
  const now = deps.now ?? (() => new Date());
  const credentials = createCredentialsStore(config.credentialsFile);
  // One per worker process: SMA tokens are reused across slots and works of the same credentials.
  const sma = createSmaClient(now);
  const httpTimeoutMs = deps.httpTimeoutMs ?? 30_000;
  const rules = { spacingMs: config.regulators.backlogSpacingMs, retryEveryMs: config.regulators.retryEveryMs };
  let client: Promise<Client> | undefined = deps.client ? Promise.resolve(deps.client) : undefined;
  const submitDeps = {
    db,
    credentials,
    sma,
    now,
    dgaBaseUrl: config.regulators.dgaBaseUrl,
    smaBaseUrl: config.regulators.smaBaseUrl,
    httpTimeoutMs,
    ...rules,
  };
  const verifyDeps = { db, now, dgaBaseUrl: config.regulators.dgaBaseUrl, httpTimeoutMs };

  const notifications = createNotificationActivities({ config, db, now });
  const sendDeps: SendDeps = {
    db,
    now,
    plan: { now, dataRecheckMs: deps.dataRecheckMs ?? 15 * 60_000, ...rules },
    submit: submitDeps,
    verify: verifyDeps,
    failureRestMs: deps.failureRestMs ?? 30_000,
  };

  return {
    ...notifications,
    ...createComplianceReportActivities({ db }),

    /**
     * One batch of the sender: `BATCH_LANES` lanes claiming and sending the works due now
     * (`sendDueWorks`), for at most `BATCH_MAX_MS`; heartbeats the works done. It never waits for a
     * rule: that is the sender's durable timer. A retry first finishes the works its dead attempt
     * still held (a send cut short is resolved, never posted twice).
     */
    async sendDueComplianceWorks(input: { owner: string }): Promise<BatchResult> {
      const { owner } = input;
      const resumed = Context.current().info.attempt > 1 ? await claimedBy(db, owner) : [];
      let works = 0;
      const results = await heartbeatWhile(
        sendDueWorks(sendDeps, {
          owner,
          lanes: BATCH_LANES,
          resumed,
          until: Date.now() + BATCH_MAX_MS,
          signal: Context.current().cancellationSignal,
          onWork: () => (works += 1),
        }),
        () => ({ works }),
      );
      const failed = results.filter((r) => r.error).map((r) => ({ configId: r.configId, error: r.error! }));
      for (const { configId, error } of failed)
        log.warn('compliance work failed before an answer; it rests and is sent again', { configId, error });
      // Their users hear of rejections and mismatches now, not at the next telemetry cycle.
      if (results.some((r) => r.notify)) await notifications.deliverPendingNotifications({});
      const sends: Record<string, number> = {};
      for (const outcome of results.flatMap((r) => r.sends)) sends[outcome] = (sends[outcome] ?? 0) + 1;
      return {
        works: results.length,
        sends,
        failed,
        nextAt: await nextDueAt(db, now()),
      };
    },

    /** Configurations created or changed: due now, so the next batches plan them. */
    async wakeComplianceWorks(input: { configIds: string[] }): Promise<void> {
      await wakeWorks(db, input.configIds);
    },

    /** An operator's request for one slot (the workflow `compliance/<config>/<slot>`). */
    async sendRequestedComplianceSlot(input: { configId: string; slot: string; owner: string; reopen: boolean }) {
      const result = await heartbeatWhile(sendRequestedSlot(sendDeps, input));
      if (result.done && result.notify) await notifications.deliverPendingNotifications({});
      return result;
    },

    /** For a test or an operator's script: one slot checked against the DGA's record now. */
    verifyComplianceSlot(input: { configId: string; slot: string }) {
      return heartbeatWhile(verifyComplianceSlot(verifyDeps, input));
    },

    /** The 2-hourly sweep: every SENT DGA slot not yet confirmed, a few at a time. */
    async verifySentComplianceSlots(
      input: { olderThanMs?: number; limit?: number } = {},
    ): Promise<Record<VerifyOutcome, number>> {
      const counts: Record<VerifyOutcome, number> = { CONFIRMED: 0, MISMATCH: 0, UNVERIFIED: 0, SKIPPED: 0 };
      const slots = await listUnverifiedSlots(db, now(), input.olderThanMs ?? 60_000, input.limit ?? 2_000);
      const worker = async () => {
        for (let next = slots.shift(); next; next = slots.shift())
          counts[(await verifyComplianceSlot(verifyDeps, next)).outcome] += 1;
      };
      await heartbeatWhile(Promise.all(Array.from({ length: 8 }, worker)), () => counts);
      return counts;
    },

    /** The compliance sender of the task queue runs (the compliance-ensure schedule). */
    async ensureComplianceSender(input: { taskQueue: string }) {
      client ??= connectClient(config);
      return ensureComplianceSender(await client, { taskQueue: input.taskQueue, triggeredBy: 'schedule' });
    },
  };
}
