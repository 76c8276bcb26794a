import { planNextSend } from '../../lib/compliance/planner';
import { listSlotsInDoubt, type ComplianceConfigRow, type QueryRunner } from '../../data/compliance';
import type { PlanOptions, PlanResult } from './plan';

/**
 * A slot is **in doubt** when its last send got no answer (NO_ANSWER, or IN_FLIGHT from a worker
 * that died): the regulator may hold the measurement. Deactivating its configuration must not
 * leave it PENDING for good, nor let a later reactivation send a held measurement as if new: the
 * slot is resolved anyway, by the one resend the rules allow (the DGA answers "Ya existe …
 * Comprobante X" if it held it, or accepts it now), and nothing else of the work is sent. The
 * statements that find them are `isSlotInDoubt` and `listSlotsInDoubt` (data/compliance/slots.ts).
 */

/** The plan of an INACTIVE work: its in-doubt slots under the usual rules (retry time, spacing), or stopped. */
export async function planInactiveWork(
  db: QueryRunner,
  config: ComplianceConfigRow,
  options: PlanOptions,
  now: Date,
): Promise<PlanResult> {
  const rows = await listSlotsInDoubt(db, config.id);
  if (rows.length === 0) return { state: 'stopped', backlog: 0, reason: 'configuration deactivated' };
  const plan = planNextSend({
    pending: rows.map((r) => ({
      slot: r.slot.toISOString(),
      ready: true,
      nextAttemptAt: r.next_attempt_at?.toISOString() ?? null,
    })),
    lastSendAt: config.lastSendAt?.toISOString() ?? null,
    now: now.toISOString(),
    spacingMs: config.source === 'DGA' ? options.spacingMs : 0,
  });
  return {
    ...plan,
    source: config.source,
    reason: `configuration deactivated: resolving ${rows.length} send(s) left without an answer`,
  };
}
