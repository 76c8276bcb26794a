import type { Database } from '../../lib/db';
import { fromDayMonthYear } from '../../lib/compliance/calendar';
import { DGA_KINDS } from '../../lib/compliance/payload';
import { insertVerifyAttempt, loadComplianceConfig, readSentSlot, recordSlotVerified } from '../../data/compliance';
import { verifyDgaReceipt } from './dga-client';
import { storableAnswer } from './http';
import { notifyCompliance } from './notify';

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
  const row = await readSentSlot(deps.db, input.configId, input.slot);
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
    await insertVerifyAttempt(client, config.id, input.slot, {
      at,
      outcome,
      httpStatus: answer.status === 'none' ? null : answer.status,
      answer: JSON.stringify(storableAnswer(answer, [])),
      receipt: row.receipt,
    });
    if (outcome === 'CONFIRMED' || outcome === 'MISMATCH') {
      const changed = await recordSlotVerified(
        client,
        config.id,
        input.slot,
        outcome === 'CONFIRMED' ? 'CONFIRMED' : 'ERROR',
        reason ?? null,
        at,
      );
      if (outcome === 'MISMATCH' && changed)
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
