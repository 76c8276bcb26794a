import type { Database } from '../../lib/db';
import { retryDelayMs } from '../../lib/compliance/answers';
import { buildSlotPayload, MEASUREMENT_TOLERANCE_MS, SMA_PARAMETERS, type Reading } from '../../lib/compliance/payload';
import { planNextSend, type ComplianceState, type Plan } from '../../lib/compliance/planner';
import { slotAtOrAfter, slotsBetween } from '../../lib/compliance/slots';
import { DAY_MS, MANUAL_STANDARDS, type Source } from '../../lib/compliance/standards';
import { regulatorDayEnd } from '../../lib/compliance/calendar';
import { planInactiveWork } from './in-doubt';
import { loadComplianceConfig, type ComplianceConfigRow } from './store';

/**
 * Plans a work's next send: opens the ledger rows of the slots that came due, builds the payloads
 * whose data arrived, and asks the planner which slot goes next and when. Idempotent (rows are
 * keyed by slot, payloads are written once), so a retry or a replan changes nothing twice.
 */
export interface PlanOptions {
  now: () => Date;
  spacingMs: number;
  retryEveryMs: number;
  /** How often a slot whose data never came is looked at again. @default 15 min */
  dataRecheckMs: number;
}

/** How far back a new configuration's slots are opened (older ones are the web form's business). */
export const MAX_BACKLOG_DAYS = 31;
/** A new slot is planned this long after its time, so a poll can store its measurement first. */
export const SLOT_SETTLE_MS = 60_000;
/** A slot waiting for a reading that may still arrive is looked at again this soon. */
const YOUNG_RECHECK_MS = 60_000;

export interface PlanResult extends Omit<Plan, 'state'> {
  state: ComplianceState;
  reason?: string;
  /** The work's regulator, once it is found. */
  source?: Source;
}

export async function planComplianceSlots(
  db: Database,
  options: PlanOptions,
  input: { configId: string; submitNow?: string[] },
): Promise<PlanResult> {
  const now = options.now();
  const config = await loadComplianceConfig(db, input.configId);
  if (!config) return { state: 'stopped', backlog: 0, reason: 'configuration not found' };
  if (config.status === 'INACTIVE') return planInactiveWork(db, config, options, now);
  if (config.status === 'BLOCKED') return { state: 'blocked', backlog: 0, reason: config.blockedReason ?? undefined };
  if (MANUAL_STANDARDS.includes(config.standard))
    return { state: 'stopped', backlog: 0, reason: `${config.standard} is sent through the web form` };

  if (input.submitNow && input.submitNow.length > 0) await reopenSlots(db, config, options, input.submitNow, now);
  await openDueSlots(db, config, now);
  const dataRecheckAt = await buildWaitingPayloads(db, config, options, now);

  const { rows } = await db.query<{ slot: Date; ready: boolean; next_attempt_at: Date | null }>(
    `SELECT slot, payload IS NOT NULL AS ready, next_attempt_at FROM compliance_submissions
      WHERE config_id = $1::bigint AND status = 'PENDING' ORDER BY slot LIMIT 5000`,
    [config.id],
  );
  const upcoming = slotAtOrAfter(config.standard, new Date(now.getTime() + 1));
  const activeUntil = config.activeTo ? regulatorDayEnd(config.activeTo).getTime() : Infinity;
  const nextSlotAt =
    upcoming && upcoming.getTime() < activeUntil ? new Date(upcoming.getTime() + SLOT_SETTLE_MS).toISOString() : null;
  const plan = planNextSend({
    pending: rows.map((r) => ({
      slot: r.slot.toISOString(),
      ready: r.ready,
      nextAttemptAt: r.next_attempt_at?.toISOString() ?? null,
    })),
    lastSendAt: config.lastSendAt?.toISOString() ?? null,
    now: now.toISOString(),
    spacingMs: config.source === 'DGA' ? options.spacingMs : 0,
    dataRecheckAt,
    nextSlotAt,
  });
  // Past its last active day with nothing left to send: the work's sending is over.
  if (!plan.next && !plan.wakeAt) return { ...plan, state: 'stopped', reason: 'past the active period' };
  return { ...plan, source: config.source };
}

/** The operator's "submit now": a pending or rejected slot becomes eligible as soon as the rules allow. */
async function reopenSlots(
  db: Database,
  config: ComplianceConfigRow,
  options: PlanOptions,
  slots: string[],
  now: Date,
) {
  const delay = retryDelayMs(config.source, 1, options.retryEveryMs);
  // A rejected slot's payload is built again (its data may have been corrected); the retry rule
  // still counts from its last attempt.
  await db.query(
    `UPDATE compliance_submissions s
        SET status = 'PENDING', reason = 'submitted by an operator', updated_at = now(),
            payload = CASE WHEN s.status = 'REJECTED' THEN NULL ELSE s.payload END,
            next_attempt_at = GREATEST($3::timestamptz, (
              SELECT max(coalesce(a.finished_at, a.started_at)) + $4 * interval '1 millisecond'
                FROM compliance_attempts a
               WHERE a.config_id = s.config_id AND a.slot = s.slot AND a.kind = 'SUBMIT'), s.next_attempt_at)
      WHERE s.config_id = $1::bigint AND s.slot = ANY($2::timestamptz[]) AND s.status IN ('PENDING', 'REJECTED')`,
    [config.id, slots, now, delay],
  );
}

/** Ledger rows for the slots that came due since the newest one (or since the active period began). */
async function openDueSlots(db: Database, config: ComplianceConfigRow, now: Date) {
  const { rows } = await db.query<{ newest: Date | null }>(
    'SELECT max(slot) AS newest FROM compliance_submissions WHERE config_id = $1::bigint',
    [config.id],
  );
  const newest = rows[0]?.newest;
  const from = newest ? new Date(newest.getTime() + 1) : new Date(now.getTime() - MAX_BACKLOG_DAYS * DAY_MS);
  const slots = slotsBetween(config, from, now, 2_000);
  if (slots.length === 0) return;
  await db.query(
    `INSERT INTO compliance_submissions (config_id, slot, reason)
     SELECT $1::bigint, unnest($2::timestamptz[]), 'waiting for data' ON CONFLICT DO NOTHING`,
    [config.id, slots],
  );
}

/** Builds the payloads of pending slots whose data has arrived; returns when to look again at the rest. */
async function buildWaitingPayloads(
  db: Database,
  config: ComplianceConfigRow,
  options: PlanOptions,
  now: Date,
): Promise<string | null> {
  const waiting = await db.query<{ slot: Date }>(
    `SELECT slot FROM compliance_submissions WHERE config_id = $1::bigint AND status = 'PENDING' AND payload IS NULL
      ORDER BY slot DESC LIMIT 200`,
    [config.id],
  );
  if (waiting.rows.length === 0) return null;
  const slots = waiting.rows.map((r) => r.slot);
  const variables =
    config.source === 'DGA' ? ['flow', 'total', 'level'] : config.smaParameters.map((p) => SMA_PARAMETERS[p]?.variable);
  const { rows } = await db.query<{
    slot: Date;
    variable: Reading['variable'];
    measured_at: Date;
    value: number;
    flags: string[];
  }>(
    `SELECT s.t AS slot, m.variable, m.measured_at, m.value_numeric AS value, m.flags
       FROM unnest($2::timestamptz[]) AS s(t) CROSS JOIN unnest($3::text[]) AS v(variable)
       CROSS JOIN LATERAL (
         SELECT variable, measured_at, value_numeric, flags FROM telemetry_measurements
          WHERE point_code = $1 AND variable = v.variable AND value_numeric IS NOT NULL
            AND measured_at BETWEEN s.t - $4 * interval '1 millisecond' AND s.t + $4 * interval '1 millisecond') m`,
    [config.pointCode, slots, variables, MEASUREMENT_TOLERANCE_MS],
  );
  const bySlot = new Map<number, Reading[]>();
  for (const r of rows) {
    const list = bySlot.get(r.slot.getTime()) ?? [];
    list.push({ variable: r.variable, measuredAt: r.measured_at.toISOString(), value: r.value, flags: r.flags });
    bySlot.set(r.slot.getTime(), list);
  }
  const target = {
    source: config.source,
    standard: config.standard,
    workKind: config.workKind,
    sma: config.smaDispositivoId ? { dispositivoId: config.smaDispositivoId, parameters: config.smaParameters } : null,
  };
  const updates = { slots: [] as Date[], payloads: [] as (string | null)[], reasons: [] as (string | null)[] };
  let recheck = Infinity;
  for (const slot of slots) {
    const built = buildSlotPayload(target, slot, bySlot.get(slot.getTime()) ?? [], now);
    updates.slots.push(slot);
    if (built.status === 'ready') {
      updates.payloads.push(JSON.stringify(built.payload));
      updates.reasons.push(null);
    } else {
      updates.payloads.push(null);
      updates.reasons.push(built.reason);
      const at = built.recheckAt
        ? Math.min(Date.parse(built.recheckAt), now.getTime() + YOUNG_RECHECK_MS)
        : now.getTime() + options.dataRecheckMs;
      recheck = Math.min(recheck, at);
    }
  }
  await db.query(
    `UPDATE compliance_submissions s SET payload = u.payload::jsonb, reason = u.reason, updated_at = now()
       FROM unnest($2::timestamptz[], $3::text[], $4::text[]) AS u(slot, payload, reason)
      WHERE s.config_id = $1::bigint AND s.slot = u.slot AND s.status = 'PENDING' AND s.payload IS NULL
        AND (u.payload IS NOT NULL OR s.reason IS DISTINCT FROM u.reason)`,
    [config.id, updates.slots, updates.payloads, updates.reasons],
  );
  return Number.isFinite(recheck) ? new Date(recheck).toISOString() : null;
}
