import type { Client } from '@temporalio/client';
import type { Config } from '../../lib/config';
import type { Database } from '../../lib/db';
import { MANUAL_STANDARDS } from '../../lib/compliance/standards';
import { ensureComplianceWorkflow } from '../../lib/compliance/workflow-client';
import { connectClient } from '../../lib/temporal';
import { createNotificationActivities } from '../notifications';
import { heartbeatWhile } from '../heartbeat';
import { createCredentialsStore } from '../telemetry/credentials';
import { planComplianceSlots, type PlanResult } from './plan';
import { createComplianceReportActivities } from './report';
import { createSmaClient } from './sma-client';
import { submitComplianceSlot, type SubmitResult } from './submit';
import { listUnverifiedSlots, verifyComplianceSlot, type VerifyOutcome } from './verify';

export interface ComplianceActivityDeps {
  config: Config;
  db: Database;
  /** @default () => new Date() */
  now?: () => Date;
  /** How often a slot whose data never came is looked at again. @default 15 minutes */
  dataRecheckMs?: number;
  /** Per regulator request. @default 30 seconds */
  httpTimeoutMs?: number;
  /** For the ensure activity; connected from the configuration on first use when absent. */
  client?: Client;
}

/**
 * The compliance activities: few per slot (plan, submit, verify), so a thousand works' hour is a
 * few thousand activities. Credentials are resolved here, by reference; workflows see ids,
 * slots, outcomes and receipts only.
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

  return {
    ...createNotificationActivities({ config, db, now }),
    ...createComplianceReportActivities({ db }),

    planComplianceSlots(input: { configId: string; submitNow?: string[] }): Promise<PlanResult> {
      return heartbeatWhile(
        planComplianceSlots(db, { now, dataRecheckMs: deps.dataRecheckMs ?? 15 * 60_000, ...rules }, input),
      );
    },

    submitComplianceSlot(input: { configId: string; slot: string }): Promise<SubmitResult> {
      return submitComplianceSlot(submitDeps, input);
    },

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

    /** Every ACTIVE configuration sent through an API has its entity workflow running. */
    async ensureComplianceWorkflows(input: { taskQueue: string }): Promise<{ started: number; running: number }> {
      client ??= connectClient(config);
      const temporal = await client;
      const { rows } = await db.query<{ id: string }>(
        `SELECT id::text FROM compliance_configs WHERE status = 'ACTIVE' AND NOT (standard = ANY($1::text[])) ORDER BY id`,
        [MANUAL_STANDARDS],
      );
      const result = { started: 0, running: 0 };
      const ids = rows.map((r) => r.id);
      const worker = async () => {
        for (let id = ids.shift(); id; id = ids.shift()) {
          const { started } = await ensureComplianceWorkflow(temporal, id, {
            taskQueue: input.taskQueue,
            triggeredBy: 'schedule',
          });
          result[started ? 'started' : 'running'] += 1;
        }
      };
      await heartbeatWhile(Promise.all(Array.from({ length: 10 }, worker)), () => result);
      return result;
    },
  };
}
