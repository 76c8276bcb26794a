import { proxyActivities } from '@temporalio/workflow';
import type { createComplianceActivities } from '../../activities/compliance';
import { regulatorDate } from '../../lib/compliance/calendar';
import { tagRun } from '../run-context';
import type { ComplianceSlotInput, ComplianceSlotResult } from './types';

type ComplianceActivities = ReturnType<typeof createComplianceActivities>;

const NOTIFYING = new Set(['REJECTED', 'CONFIG_ERROR', 'UNAUTHORIZED']);

/**
 * One attempt of one slot, `compliance/<config>/<slot>`: the submit activity records the attempt
 * IN_FLIGHT, sends and records the answer (it never posts twice: a retry resolves); an accepted
 * DGA slot is then checked with the verify GET. Run by the work's entity workflow, one at a time.
 */
export async function complianceSlot(input: ComplianceSlotInput): Promise<ComplianceSlotResult> {
  tagRun({ target: `config-${input.configId}`, businessDate: regulatorDate(new Date(input.slot)) });
  const heartbeatTimeout = input.heartbeatTimeout ?? '30 seconds';
  const { submitComplianceSlot } = proxyActivities<ComplianceActivities>({
    // The request's own timeout (30 s) plus a minute of recording retries.
    startToCloseTimeout: '3 minutes',
    heartbeatTimeout,
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 20 },
  });
  const { verifyComplianceSlot, deliverPendingNotifications } = proxyActivities<ComplianceActivities>({
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout,
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
  });
  const work = { configId: input.configId, slot: input.slot };
  const submitted = await submitComplianceSlot(work);
  let result: ComplianceSlotResult = submitted;
  if (submitted.outcome === 'ACCEPTED' || submitted.outcome === 'DUPLICATE') {
    // The SMA's receipt confirms at once (SKIPPED); a DGA one is checked against the DGA's record.
    const verified = await verifyComplianceSlot(work);
    result = { ...submitted, verified: verified.outcome };
    if (verified.outcome !== 'MISMATCH') return result;
  } else if (!NOTIFYING.has(submitted.outcome)) return result;
  // Its users hear of it now, not at the next telemetry cycle.
  await deliverPendingNotifications({});
  return result;
}
