import { planNextSend } from '../../lib/compliance/planner';
import type { PlanOptions, PlanResult } from './plan';
import type { ComplianceConfigRow, QueryRunner } from './store';

/**
 * A slot is **in doubt** when its last send got no answer (NO_ANSWER, or IN_FLIGHT from a worker
 * that died): the regulator may hold the measurement. Deactivating its configuration must not
 * leave it PENDING for good, nor let a later reactivation send a held measurement as if new: the
 * slot is resolved anyway, by the one resend the rules allow (the DGA answers "Ya existe …
 * Comprobante X" if it held it, or accepts it now), and nothing else of the work is sent.
 */
const IN_DOUBT = `s.status = 'PENDING' AND s.payload IS NOT NULL AND EXISTS (
  SELECT 1 FROM compliance_attempts a
   WHERE a.config_id = s.config_id AND a.slot = s.slot AND a.kind = 'SUBMIT' AND a.attempt = s.attempts
     AND a.outcome IN ('NO_ANSWER', 'IN_FLIGHT'))`;

export async function isSlotInDoubt(db: QueryRunner, configId: string, slot: string | Date): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM compliance_submissions s WHERE s.config_id = $1::bigint AND s.slot = $2 AND ${IN_DOUBT}`,
    [configId, slot],
  );
  return rows.length > 0;
}

/** The plan of an INACTIVE work: its in-doubt slots under the usual rules (retry time, spacing), or stopped. */
export async function planInactiveWork(
  db: QueryRunner,
  config: ComplianceConfigRow,
  options: PlanOptions,
  now: Date,
): Promise<PlanResult> {
  const { rows } = await db.query<{ slot: Date; next_attempt_at: Date | null }>(
    `SELECT s.slot, s.next_attempt_at FROM compliance_submissions s
      WHERE s.config_id = $1::bigint AND ${IN_DOUBT} ORDER BY s.slot LIMIT 5000`,
    [config.id],
  );
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
