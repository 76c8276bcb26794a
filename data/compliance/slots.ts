import type { QueryRunner } from './configs';

/**
 * Every write of the ledger `compliance_submissions` (one row per configuration and slot), and
 * the sending path's reads of it: the planner opens and reopens slots and stores their payloads,
 * the submit records an attempt's effect, the verify its confirmation.
 */

/**
 * A slot is **in doubt** when its last send got no answer (NO_ANSWER, or IN_FLIGHT from a worker
 * that died): the regulator may hold the measurement.
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

/** A work's slots in doubt, oldest first. */
export async function listSlotsInDoubt(db: QueryRunner, configId: string) {
  const { rows } = await db.query<{ slot: Date; next_attempt_at: Date | null }>(
    `SELECT s.slot, s.next_attempt_at FROM compliance_submissions s
      WHERE s.config_id = $1::bigint AND ${IN_DOUBT} ORDER BY s.slot LIMIT 5000`,
    [configId],
  );
  return rows;
}

/** A work's PENDING slots, oldest first: whether their payload is built, and their retry time. */
export async function listPendingSlots(db: QueryRunner, configId: string) {
  const { rows } = await db.query<{ slot: Date; ready: boolean; next_attempt_at: Date | null }>(
    `SELECT slot, payload IS NOT NULL AS ready, next_attempt_at FROM compliance_submissions
      WHERE config_id = $1::bigint AND status = 'PENDING' ORDER BY slot LIMIT 5000`,
    [configId],
  );
  return rows;
}

/**
 * The operator's "submit now": pending or rejected slots become PENDING, not before `now` nor
 * `delayMs` after their last submit attempt. A rejected slot's payload is built again (its data may
 * have been corrected).
 */
export async function reopenSlots(db: QueryRunner, configId: string, slots: string[], now: Date, delayMs: number) {
  await db.query(
    `UPDATE compliance_submissions s
        SET status = 'PENDING', reason = 'submitted by an operator', updated_at = now(),
            payload = CASE WHEN s.status = 'REJECTED' THEN NULL ELSE s.payload END,
            next_attempt_at = GREATEST($3::timestamptz, (
              SELECT max(coalesce(a.finished_at, a.started_at)) + $4 * interval '1 millisecond'
                FROM compliance_attempts a
               WHERE a.config_id = s.config_id AND a.slot = s.slot AND a.kind = 'SUBMIT'), s.next_attempt_at)
      WHERE s.config_id = $1::bigint AND s.slot = ANY($2::timestamptz[]) AND s.status IN ('PENDING', 'REJECTED')`,
    [configId, slots, now, delayMs],
  );
}

/** The newest slot in a work's ledger, if any. */
export async function newestSlot(db: QueryRunner, configId: string): Promise<Date | null | undefined> {
  const { rows } = await db.query<{ newest: Date | null }>(
    'SELECT max(slot) AS newest FROM compliance_submissions WHERE config_id = $1::bigint',
    [configId],
  );
  return rows[0]?.newest;
}

/** Ledger rows for slots that came due, waiting for data; a slot already there is left alone. */
export async function openSlots(db: QueryRunner, configId: string, slots: Date[]) {
  await db.query(
    `INSERT INTO compliance_submissions (config_id, slot, reason)
     SELECT $1::bigint, unnest($2::timestamptz[]), 'waiting for data' ON CONFLICT DO NOTHING`,
    [configId, slots],
  );
}

/** PENDING slots without a payload yet, newest first. */
export async function listSlotsWithoutPayload(db: QueryRunner, configId: string): Promise<Date[]> {
  const { rows } = await db.query<{ slot: Date }>(
    `SELECT slot FROM compliance_submissions WHERE config_id = $1::bigint AND status = 'PENDING' AND payload IS NULL
      ORDER BY slot DESC LIMIT 200`,
    [configId],
  );
  return rows.map((r) => r.slot);
}

/** Payloads built (JSON text), or why not yet: written once, to slots still PENDING without one. */
export async function storeSlotPayloads(
  db: QueryRunner,
  configId: string,
  updates: { slots: Date[]; payloads: (string | null)[]; reasons: (string | null)[] },
) {
  await db.query(
    `UPDATE compliance_submissions s SET payload = u.payload::jsonb, reason = u.reason, updated_at = now()
       FROM unnest($2::timestamptz[], $3::text[], $4::text[]) AS u(slot, payload, reason)
      WHERE s.config_id = $1::bigint AND s.slot = u.slot AND s.status = 'PENDING' AND s.payload IS NULL
        AND (u.payload IS NOT NULL OR s.reason IS DISTINCT FROM u.reason)`,
    [configId, updates.slots, updates.payloads, updates.reasons],
  );
}

/** One slot's state, for an operator's request. */
export async function readRequestedSlot(db: QueryRunner, configId: string, slot: string) {
  const { rows } = await db.query<{
    status: string;
    ready: boolean;
    next_attempt_at: Date | null;
    reason: string | null;
  }>(
    `SELECT status, payload IS NOT NULL AS ready, next_attempt_at, reason FROM compliance_submissions
      WHERE config_id = $1::bigint AND slot = $2`,
    [configId, slot],
  );
  return rows[0];
}

/** One slot, locked FOR UPDATE in the caller's transaction: the submit's rules are checked under it. */
export async function lockSlot(client: QueryRunner, configId: string, slot: string) {
  const { rows } = await client.query<{ status: string; payload: unknown; attempts: number; next_attempt_at: Date }>(
    `SELECT status, payload, attempts, next_attempt_at FROM compliance_submissions
      WHERE config_id = $1::bigint AND slot = $2 FOR UPDATE`,
    [configId, slot],
  );
  return rows[0];
}

/** Attempt `attempt` is about to leave (the first send's time is kept). */
export async function markSlotAttempted(
  client: QueryRunner,
  configId: string,
  slot: string,
  attempt: number,
  at: Date,
) {
  await client.query(
    `UPDATE compliance_submissions SET attempts = $3, first_sent_at = coalesce(first_sent_at, $4), updated_at = now()
      WHERE config_id = $1::bigint AND slot = $2`,
    [configId, slot, attempt, at],
  );
}

/** Attempt `attempt` got no answer: the slot is sent again under the retry rule, not before `retryAt`. */
export async function retryUnansweredSlot(
  client: QueryRunner,
  configId: string,
  slot: Date,
  retryAt: Date,
  attempt: number,
) {
  await client.query(
    `UPDATE compliance_submissions SET next_attempt_at = $3, updated_at = now(),
            reason = 'no answer to attempt ' || $4::text || ': sent again under the retry rule'
      WHERE config_id = $1::bigint AND slot = $2 AND status = 'PENDING'`,
    [configId, slot, retryAt, attempt],
  );
}

/** The regulator accepted the slot (SENT, or CONFIRMED when its receipt needs no check). */
export async function recordSlotAccepted(
  client: QueryRunner,
  configId: string,
  slot: string,
  status: 'SENT' | 'CONFIRMED',
  receipt: string | undefined,
  at: Date,
) {
  await client.query(
    `UPDATE compliance_submissions SET status = $3, receipt = $4, accepted_at = $5, next_attempt_at = NULL,
            confirmed_at = CASE WHEN $3 = 'CONFIRMED' THEN $5 ELSE confirmed_at END, reason = NULL, updated_at = now()
      WHERE config_id = $1::bigint AND slot = $2 AND status IN ('PENDING', 'REJECTED')`,
    [configId, slot, status, receipt, at],
  );
}

/** Not accepted: the slot's new status and why, and when it is sent again (null: not by the rules). */
export async function recordSlotNotAccepted(
  client: QueryRunner,
  configId: string,
  slot: string,
  status: string,
  reason: string | null,
  nextAttemptAt: Date | null,
) {
  await client.query(
    `UPDATE compliance_submissions SET status = $3, reason = $4, next_attempt_at = $5, updated_at = now()
      WHERE config_id = $1::bigint AND slot = $2 AND status = 'PENDING'`,
    [configId, slot, status, reason, nextAttemptAt],
  );
}

/** One slot as the verify reads it: its status, receipt, payload sent, and when it was accepted. */
export async function readSentSlot(db: QueryRunner, configId: string, slot: string) {
  const { rows } = await db.query<{
    status: string;
    receipt: string | null;
    payload: Record<string, unknown>;
    accepted_at: Date;
  }>(
    'SELECT status, receipt, payload, accepted_at FROM compliance_submissions WHERE config_id = $1::bigint AND slot = $2',
    [configId, slot],
  );
  return rows[0];
}

/** A SENT slot checked against the regulator's record: CONFIRMED, or ERROR and why. False if it was not SENT. */
export async function recordSlotVerified(
  client: QueryRunner,
  configId: string,
  slot: string,
  status: 'CONFIRMED' | 'ERROR',
  reason: string | null,
  at: Date,
): Promise<boolean> {
  const { rowCount } = await client.query(
    `UPDATE compliance_submissions SET status = $3, reason = $4, updated_at = now(),
            confirmed_at = CASE WHEN $3 = 'CONFIRMED' THEN $5::timestamptz ELSE confirmed_at END
      WHERE config_id = $1::bigint AND slot = $2 AND status = 'SENT'`,
    [configId, slot, status, reason, at],
  );
  return (rowCount ?? 0) > 0;
}

/** The SENT DGA slots accepted more than `olderThanMs` ago, oldest first (the sweep's work list). */
export async function listUnverifiedSlots(db: QueryRunner, now: Date, olderThanMs: number, limit: number) {
  const { rows } = await db.query<{ config_id: string; slot: Date }>(
    `SELECT s.config_id::text, s.slot FROM compliance_submissions s JOIN compliance_configs c ON c.id = s.config_id
      WHERE s.status = 'SENT' AND c.source = 'DGA' AND s.accepted_at <= $1 ORDER BY s.accepted_at LIMIT $2`,
    [new Date(now.getTime() - olderThanMs), limit],
  );
  return rows.map((r) => ({ configId: r.config_id, slot: r.slot.toISOString() }));
}
