/**
 * The sending-rule planner (DGA manual §6–7): given a work's pending slots, when its last send
 * ended and now, which slot goes next and when. Pure, so the rules are unit-tested apart from
 * Temporal; the submit activity checks the same limits again under the work's lock.
 *
 * - Every send of a work waits `spacingMs` after the previous one ended. The manual asks it of
 *   backlogs (≥ 2 h old); applying it to every send costs an online slot at most one spacing of its
 *   hour, and means no sequence of online and backlog sends can break it.
 * - A slot whose last attempt failed or got no answer waits until its `nextAttemptAt`
 *   (the daily resend, set by the activity from that attempt's end).
 * - Online slots (measured less than `onlineLimitMs` ago) go before the backlog, so they stay
 *   within their hour while a backlog drains; the backlog goes oldest first.
 * - Accepted slots (SENT, CONFIRMED) are not pending: never sent again.
 */
export const ONLINE_LIMIT_MS = 3_600_000;

export type ComplianceState =
  'idle' | 'sending' | 'waiting-spacing' | 'waiting-retry' | 'waiting-data' | 'blocked' | 'stopped';

export interface PendingSlot {
  /** ISO instant of the measurement the slot reports. */
  slot: string;
  /** Its payload is built (the data arrived). */
  ready: boolean;
  /** The earliest time the rules allow its next attempt (null: never attempted). */
  nextAttemptAt: string | null;
}

export interface PlanInput {
  pending: readonly PendingSlot[];
  /** When the work's last send ended (its answer, or when it was found unanswered). */
  lastSendAt: string | null;
  now: string;
  spacingMs: number;
  /** When waiting for data is worth another look (the payload builder's hint), if any. */
  dataRecheckAt?: string | null;
  /** The next slot time still to come, to wake for it. */
  nextSlotAt?: string | null;
}

export interface Plan {
  state: Exclude<ComplianceState, 'blocked' | 'stopped'>;
  /** The slot to send next and the earliest time the rules allow it. */
  next?: { slot: string; at: string };
  /** When to plan again if nothing is sent before. */
  wakeAt?: string;
  /** Slots due and not accepted yet. */
  backlog: number;
}

export function planNextSend(input: PlanInput): Plan {
  const now = Date.parse(input.now);
  const spacingUntil = input.lastSendAt ? Date.parse(input.lastSendAt) + input.spacingMs : -Infinity;
  const due = input.pending.filter((p) => Date.parse(p.slot) <= now);
  const candidates = due
    .filter((p) => p.ready)
    .map((p) => {
      const slot = Date.parse(p.slot);
      const retryAt = p.nextAttemptAt ? Date.parse(p.nextAttemptAt) : -Infinity;
      return { p, slot, retryAt, at: Math.max(slot, retryAt, spacingUntil, now), online: now - slot < ONLINE_LIMIT_MS };
    })
    .sort(
      (a, b) => a.at - b.at || Number(b.online) - Number(a.online) || (a.online ? b.slot - a.slot : a.slot - b.slot),
    );
  const best = candidates[0];
  const wakes = [input.nextSlotAt, input.dataRecheckAt].filter((w): w is string => !!w).map(Date.parse);
  if (best) wakes.push(best.at);
  const wakeAt = wakes.length > 0 ? new Date(Math.max(now, Math.min(...wakes))).toISOString() : undefined;
  if (!best) {
    const waitingData = due.some((p) => !p.ready);
    return { state: waitingData ? 'waiting-data' : 'idle', wakeAt, backlog: due.length };
  }
  const state = best.at <= now ? 'sending' : best.retryAt >= spacingUntil ? 'waiting-retry' : 'waiting-spacing';
  return {
    state,
    next: { slot: best.p.slot, at: new Date(best.at).toISOString() },
    wakeAt,
    backlog: due.length,
  };
}
