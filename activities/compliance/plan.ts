import type { Database } from '../../lib/db';
import { retryDelayMs } from '../../lib/compliance/answers';
import { buildSlotPayload, MEASUREMENT_TOLERANCE_MS, SMA_PARAMETERS, type Reading } from '../../lib/compliance/payload';
import { planNextSend, type ComplianceState, type Plan } from '../../lib/compliance/planner';
import { slotAtOrAfter, slotsBetween } from '../../lib/compliance/slots';
import { DAY_MS, MANUAL_STANDARDS, type Source } from '../../lib/compliance/standards';
import { regulatorDayEnd } from '../../lib/compliance/calendar';
import {
  listPendingSlots,
  listSlotsWithoutPayload,
  loadComplianceConfig,
  newestSlot,
  openSlots,
  reopenSlots,
  storeSlotPayloads,
  type ComplianceConfigRow,
} from '../../data/compliance';
import { readReadingsNearSlots } from '../../data/telemetry';
import { planInactiveWork } from './in-doubt';

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

  // The operator's "submit now": pending or rejected slots become eligible as soon as the rules allow.
  if (input.submitNow && input.submitNow.length > 0)
    await reopenSlots(db, config.id, input.submitNow, now, retryDelayMs(config.source, 1, options.retryEveryMs));
  await openDueSlots(db, config, now);
  const dataRecheckAt = await buildWaitingPayloads(db, config, options, now);

  const rows = await listPendingSlots(db, config.id);
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

/** Ledger rows for the slots that came due since the newest one (or since the active period began). */
async function openDueSlots(db: Database, config: ComplianceConfigRow, now: Date) {
  const newest = await newestSlot(db, config.id);
  const from = newest ? new Date(newest.getTime() + 1) : new Date(now.getTime() - MAX_BACKLOG_DAYS * DAY_MS);
  const slots = slotsBetween(config, from, now, 2_000);
  if (slots.length === 0) return;
  await openSlots(db, config.id, slots);
}

/** Builds the payloads of pending slots whose data has arrived; returns when to look again at the rest. */
async function buildWaitingPayloads(
  db: Database,
  config: ComplianceConfigRow,
  options: PlanOptions,
  now: Date,
): Promise<string | null> {
  const slots = await listSlotsWithoutPayload(db, config.id);
  if (slots.length === 0) return null;
  const variables =
    config.source === 'DGA' ? ['flow', 'total', 'level'] : config.smaParameters.map((p) => SMA_PARAMETERS[p]?.variable);
  const rows = await readReadingsNearSlots(db, config.pointCode, slots, variables, MEASUREMENT_TOLERANCE_MS);
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
  await storeSlotPayloads(db, config.id, updates);
  return Number.isFinite(recheck) ? new Date(recheck).toISOString() : null;
}
