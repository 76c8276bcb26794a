import type { Client, ScheduleDescription } from '@temporalio/client';
import { lastCanaryAt } from '../../data/platform';
import type { Database } from '../../lib/db';
import { CANARY_INTERVAL_MINUTES } from '../../schedules/platform';
import type { AnyScheduleDeclaration } from '../../schedules';
import { describeSchedule } from '../schedules/view';

export type CheckStatus = 'ok' | 'degraded' | 'down';

/** Each check gives up after this long, and they run in parallel: `/health` answers in about 2 s at worst. */
export const HEALTH_CHECK_TIMEOUT_MS = 2_000;

const MINUTE = 60_000;
/** Two missed runs and a minute of slack. */
export const CANARY_LATE_AFTER_MS = (2 * CANARY_INTERVAL_MINUTES + 1) * MINUTE;
/** A canary schedule younger than this has not had the chance to write its first rows yet. */
const CANARY_GRACE_MS = 2 * CANARY_INTERVAL_MINUTES * MINUTE;

/** Resolves to `fallback` if `promise` has not settled in time; the promise itself is left to finish. */
function within<T>(promise: Promise<T>, fallback: T, ms = HEALTH_CHECK_TIMEOUT_MS): Promise<T> {
  return Promise.race([promise, new Promise<T>((resolve) => setTimeout(() => resolve(fallback), ms).unref())]);
}

async function timed(probe: () => Promise<boolean>): Promise<{ status: CheckStatus; latencyMs: number }> {
  const started = performance.now();
  const ok = await within(
    probe().catch(() => false),
    false,
  );
  return { status: ok ? 'ok' : 'down', latencyMs: Math.round(performance.now() - started) };
}

export const checkDatabase = (db: Database) => timed(() => db.ping(HEALTH_CHECK_TIMEOUT_MS));

export const checkTemporal = (client: Client) =>
  timed(() =>
    client.connection.withDeadline(Date.now() + HEALTH_CHECK_TIMEOUT_MS, async () => {
      await client.workflowService.getSystemInfo({});
      return true;
    }),
  );

export type CanaryState = 'ok' | 'waiting' | 'late' | 'unknown' | 'not-declared';

/**
 * The canary is on time when its newest row is recent. With no row at all, a schedule created
 * less than two intervals ago is still waiting for its first run; an older one has missed it.
 */
export function canaryState(lastCanaryAt: Date | null, scheduleCreatedAt: Date, now: Date): CanaryState {
  if (lastCanaryAt) return now.getTime() - lastCanaryAt.getTime() <= CANARY_LATE_AFTER_MS ? 'ok' : 'late';
  return now.getTime() - scheduleCreatedAt.getTime() < CANARY_GRACE_MS ? 'waiting' : 'late';
}

/**
 * Every declared schedule must exist in Temporal and not be paused, and the canary must be on
 * time. `down` when Temporal cannot describe them at all.
 */
export async function checkSchedules(client: Client, db: Database, schedules: readonly AnyScheduleDeclaration[]) {
  const describeAll = client.connection.withDeadline(Date.now() + HEALTH_CHECK_TIMEOUT_MS, () =>
    Promise.all(
      schedules.map(async (declaration) => ({
        declaration,
        description: await describeSchedule(client, declaration.id),
      })),
    ),
  );
  const [described, last] = await Promise.all([
    within(
      describeAll.catch(() => undefined),
      undefined,
    ),
    // undefined: the database did not answer, which the database check reports.
    within(
      lastCanaryAt(db).catch(() => undefined),
      undefined,
    ),
  ]);
  if (!described) {
    return {
      status: 'down' as CheckStatus,
      missing: [],
      paused: [],
      lastCanaryAt: last?.toISOString() ?? null,
      canary: 'unknown' as CanaryState,
    };
  }
  const missing = described.filter((entry) => !entry.description).map((entry) => entry.declaration.id);
  const paused = described.filter((entry) => entry.description?.state.paused).map((entry) => entry.declaration.id);
  const canarySchedule = described.find((entry) => entry.declaration.workflowType === 'platformCanary');
  const canary = canaryOf(canarySchedule?.description, canarySchedule !== undefined, last);
  const degraded = missing.length > 0 || paused.length > 0 || canary === 'late';
  return {
    status: (degraded ? 'degraded' : 'ok') as CheckStatus,
    missing,
    paused,
    lastCanaryAt: last?.toISOString() ?? null,
    canary,
  };
}

function canaryOf(
  description: ScheduleDescription | undefined,
  declared: boolean,
  last: Date | null | undefined,
): CanaryState {
  if (!declared) return 'not-declared';
  // A missing schedule is already reported as missing; its canary cannot be judged.
  if (!description || last === undefined) return 'unknown';
  return canaryState(last, description.info.createdAt, new Date());
}
