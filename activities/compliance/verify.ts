import type { Database } from '../../lib/db';
import { fromDayMonthYear } from '../../lib/compliance/calendar';
import { DGA_KINDS } from '../../lib/compliance/payload';
import { verifyDgaReceipt } from './dga-client';
import { storableAnswer } from './http';
import { notifyCompliance } from './notify';
import { loadComplianceConfig } from './store';

/**
 * Checks a SENT DGA slot against the DGA's record of its receipt (the verify GET; its date comes
 * back as DD-MM-YYYY): the same values make it CONFIRMED, different ones an ERROR that notifies.
 * No answer leaves it SENT for the next sweep. A GET changes nothing at the DGA, so it needs no
 * IN_FLIGHT record; each check is a VERIFY attempt in the ledger.
 */
export interface VerifyDeps {
  db: Database;
  now: () => Date;
  dgaBaseUrl: string | undefined;
  httpTimeoutMs: number;
}

/** A receipt the DGA does not know this soon after accepting it is looked at again, not an error yet. */
const UNKNOWN_RECEIPT_GRACE_MS = 3_600_000;

export type VerifyOutcome = 'CONFIRMED' | 'MISMATCH' | 'UNVERIFIED' | 'SKIPPED';

export async function verifyComplianceSlot(
  deps: VerifyDeps,
  input: { configId: string; slot: string },
): Promise<{ outcome: VerifyOutcome; reason?: string }> {
  const config = await loadComplianceConfig(deps.db, input.configId);
  const { rows } = await deps.db.query<{
    status: string;
    receipt: string | null;
    payload: Record<string, unknown>;
    accepted_at: Date;
  }>(
    'SELECT status, receipt, payload, accepted_at FROM compliance_submissions WHERE config_id = $1::bigint AND slot = $2',
    [input.configId, input.slot],
  );
  const row = rows[0];
  if (!config || config.source !== 'DGA' || !row || row.status !== 'SENT' || !row.receipt || !deps.dgaBaseUrl)
    return { outcome: 'SKIPPED' };
  const work = { baseUrl: deps.dgaBaseUrl, kind: config.workKind!, codigoObra: config.codigoObra! };
  const answer = await verifyDgaReceipt(work, row.receipt, deps.now(), deps.httpTimeoutMs);
  const sent = (row.payload[DGA_KINDS[work.kind].key] ?? {}) as Record<string, string>;
  let outcome: 'CONFIRMED' | 'MISMATCH' | 'SERVER_ERROR' | 'NO_ANSWER';
  let reason: string | undefined;
  if (answer.status === 'none') outcome = 'NO_ANSWER';
  else if (answer.status === 404 && deps.now().getTime() - row.accepted_at.getTime() < UNKNOWN_RECEIPT_GRACE_MS) {
    // Just accepted: the DGA's record may not be readable yet; the sweep looks again.
    outcome = 'SERVER_ERROR';
  } else if (answer.status === 404) {
    outcome = 'MISMATCH';
    reason = `the DGA does not know receipt ${row.receipt}`;
  } else if (answer.status === 200 && (answer.body as { status?: unknown } | null)?.status === '00') {
    const held = ((answer.body as { data?: unknown }).data ?? {}) as Record<string, unknown>;
    const differences = differencesOf(sent, held);
    outcome = differences.length === 0 ? 'CONFIRMED' : 'MISMATCH';
    if (differences.length > 0) reason = `the DGA holds different values: ${differences.join('; ')}`;
  } else outcome = 'SERVER_ERROR';

  const at = deps.now();
  await deps.db.withTransaction(async (client) => {
    await client.query(
      `INSERT INTO compliance_attempts (config_id, slot, attempt, kind, started_at, finished_at, outcome, http_status, answer, receipt)
       SELECT $1::bigint, $2, coalesce(max(attempt), 0) + 1, 'VERIFY', $3, $3, $4, $5, $6, $7
         FROM compliance_attempts WHERE config_id = $1::bigint AND slot = $2 AND kind = 'VERIFY'`,
      [
        config.id,
        input.slot,
        at,
        outcome,
        answer.status === 'none' ? null : answer.status,
        JSON.stringify(storableAnswer(answer, [])),
        row.receipt,
      ],
    );
    if (outcome === 'CONFIRMED' || outcome === 'MISMATCH') {
      const { rowCount } = await client.query(
        `UPDATE compliance_submissions SET status = $3, reason = $4, updated_at = now(),
                confirmed_at = CASE WHEN $3 = 'CONFIRMED' THEN $5::timestamptz ELSE confirmed_at END
          WHERE config_id = $1::bigint AND slot = $2 AND status = 'SENT'`,
        [config.id, input.slot, outcome === 'CONFIRMED' ? 'CONFIRMED' : 'ERROR', reason ?? null, at],
      );
      if (outcome === 'MISMATCH' && rowCount)
        await notifyCompliance(client, config, input.slot, 'compliance.mismatch', reason!);
    }
  });
  return { outcome: outcome === 'CONFIRMED' || outcome === 'MISMATCH' ? outcome : 'UNVERIFIED', reason };
}

const NUMERIC = /^-?\d+(\.\d+)?$/;

/** Field by field, as strings (the DGA's own format), with its DD-MM-YYYY date read back. */
function differencesOf(sent: Record<string, string>, held: Record<string, unknown>): string[] {
  const differences: string[] = [];
  for (const [field, value] of Object.entries(sent)) {
    const raw = held[field];
    const theirs = field === 'fechaMedicion' && typeof raw === 'string' ? fromDayMonthYear(raw) : raw;
    // Numbers compare by value ("1.0" is "1.00"): a reformatted echo is not a different measurement.
    const same =
      theirs === value ||
      (value === '' && (theirs === undefined || theirs === null)) ||
      (NUMERIC.test(value) && typeof theirs === 'string' && NUMERIC.test(theirs) && Number(theirs) === Number(value));
    if (!same) differences.push(`${field} sent ${JSON.stringify(value)}, held ${JSON.stringify(theirs ?? null)}`);
  }
  return differences;
}

/** The SENT DGA slots accepted more than `olderThanMs` ago, oldest first (the sweep's work list). */
export async function listUnverifiedSlots(db: Database, now: Date, olderThanMs: number, limit: number) {
  const { rows } = await db.query<{ config_id: string; slot: Date }>(
    `SELECT s.config_id::text, s.slot FROM compliance_submissions s JOIN compliance_configs c ON c.id = s.config_id
      WHERE s.status = 'SENT' AND c.source = 'DGA' AND s.accepted_at <= $1 ORDER BY s.accepted_at LIMIT $2`,
    [new Date(now.getTime() - olderThanMs), limit],
  );
  return rows.map((r) => ({ configId: r.config_id, slot: r.slot.toISOString() }));
}
