import type { Database } from '../../lib/db';

/** The ledger as the API reads it: `compliance_submissions` with every attempt. */

interface SubmissionRecord {
  config_id: string;
  slot: Date;
  status: 'PENDING' | 'SENT' | 'CONFIRMED' | 'REJECTED' | 'ERROR';
  reason: string | null;
  payload: unknown;
  receipt: string | null;
  next_attempt_at: Date | null;
  accepted_at: Date | null;
  confirmed_at: Date | null;
  updated_at: Date;
  attempts: {
    kind: string;
    attempt: number;
    started_at: string;
    finished_at: string | null;
    outcome: string;
    http_status: number | null;
    answer: unknown;
    receipt: string | null;
  }[];
}

const iso = (value: Date | null) => (value ? value.toISOString() : null);
const isoText = (value: string | null) => (value ? new Date(value).toISOString() : null);

/**
 * Ledger rows, in (configuration, slot) order, with every attempt. The cursor is the last row's
 * `config/slot`: a page never skips or repeats a row while the ledger grows.
 */
export async function listSubmissions(
  db: Database,
  query: { config?: number; status?: string; from?: string; to?: string; after?: string; limit: number },
) {
  const [afterConfig, afterSlot] = query.after ? query.after.split('/') : [null, null];
  const { rows } = await db.query<SubmissionRecord>(
    `SELECT s.config_id, s.slot, s.status, s.reason, s.payload, s.receipt, s.next_attempt_at, s.accepted_at,
            s.confirmed_at, s.updated_at,
            COALESCE((SELECT json_agg(json_build_object('kind', a.kind, 'attempt', a.attempt, 'started_at', a.started_at,
                                                        'finished_at', a.finished_at, 'outcome', a.outcome,
                                                        'http_status', a.http_status, 'answer', a.answer,
                                                        'receipt', a.receipt) ORDER BY a.started_at, a.kind, a.attempt)
                        FROM compliance_attempts a WHERE a.config_id = s.config_id AND a.slot = s.slot), '[]') AS attempts
       FROM compliance_submissions s
      WHERE ($1::bigint IS NULL OR s.config_id = $1) AND ($2::text IS NULL OR s.status = $2)
        AND ($3::timestamptz IS NULL OR s.slot >= $3) AND ($4::timestamptz IS NULL OR s.slot < $4)
        AND ($5::bigint IS NULL OR (s.config_id, s.slot) > ($5::bigint, $6::timestamptz))
      ORDER BY s.config_id, s.slot
      LIMIT $7`,
    [
      query.config ?? null,
      query.status ?? null,
      query.from ?? null,
      query.to ?? null,
      afterConfig,
      afterSlot,
      query.limit + 1,
    ],
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map((row) => ({
      configId: Number(row.config_id),
      slot: row.slot.toISOString(),
      status: row.status,
      reason: row.reason,
      payload: row.payload,
      receipt: row.receipt,
      attempts: row.attempts.map((a) => ({
        kind: a.kind,
        attempt: a.attempt,
        startedAt: isoText(a.started_at) ?? '',
        finishedAt: isoText(a.finished_at),
        outcome: a.outcome,
        httpStatus: a.http_status,
        answer: a.answer,
        receipt: a.receipt,
      })),
      nextAttemptAt: iso(row.next_attempt_at),
      acceptedAt: iso(row.accepted_at),
      confirmedAt: iso(row.confirmed_at),
      updatedAt: row.updated_at.toISOString(),
    })),
    next: rows.length > query.limit && last ? `${last.config_id}/${last.slot.toISOString()}` : null,
  };
}

/** One ledger row's state, for the manual submit's checks. */
export async function readSubmission(db: Database, configId: number, slot: Date) {
  const { rows } = await db.query<{ status: string; receipt: string | null }>(
    'SELECT status, receipt FROM compliance_submissions WHERE config_id = $1 AND slot = $2',
    [configId, slot],
  );
  return rows[0];
}

/** The ledger's side of a configuration's status. */
export async function readLedgerStatus(db: Database, configId: number) {
  const counts = await db.query<{ status: string; n: string }>(
    'SELECT status, count(*) AS n FROM compliance_submissions WHERE config_id = $1 GROUP BY status',
    [configId],
  );
  const next = await db.query<{ slot: Date; next_attempt_at: Date | null }>(
    `SELECT slot, next_attempt_at FROM compliance_submissions
      WHERE config_id = $1 AND status = 'PENDING' ORDER BY COALESCE(next_attempt_at, slot), slot LIMIT 1`,
    [configId],
  );
  const last = await db.query<{ slot: Date; receipt: string; accepted_at: Date | null }>(
    `SELECT slot, receipt, accepted_at FROM compliance_submissions
      WHERE config_id = $1 AND receipt IS NOT NULL ORDER BY slot DESC LIMIT 1`,
    [configId],
  );
  const byStatus = Object.fromEntries(counts.rows.map((r) => [r.status, Number(r.n)]));
  return {
    counts: byStatus,
    // Failed and unanswered attempts leave a slot PENDING; an ERROR (a verify mismatch) was accepted.
    backlog: byStatus.PENDING ?? 0,
    nextSlot: next.rows[0] ? next.rows[0].slot.toISOString() : null,
    nextAttemptAt: iso(next.rows[0]?.next_attempt_at ?? null),
    lastReceipt: last.rows[0]
      ? {
          slot: last.rows[0].slot.toISOString(),
          receipt: last.rows[0].receipt,
          acceptedAt: iso(last.rows[0].accepted_at),
        }
      : null,
  };
}
