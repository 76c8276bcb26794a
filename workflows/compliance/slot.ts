import { getExternalWorkflowHandle, log, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { createComplianceActivities } from '../../activities/compliance';
import { regulatorDate } from '../../lib/compliance/calendar';
import { senderWorkflowId, wakeSignal } from '../../lib/compliance/sender-contract';
import { tagRun } from '../run-context';
import type { ComplianceSlotInput, ComplianceSlotResult } from './types';

type ComplianceActivities = ReturnType<typeof createComplianceActivities>;

/** While the sender holds the work's claim, ask again this many times before leaving the slot to it. */
const BUSY_TRIES = 60;

/**
 * An operator's request to send one slot now, `compliance/<config>/<slot>` (the API's submit; a
 * second request while it runs finds this one). The activity claims the work, makes the slot
 * PENDING again and sends it if the rules allow — the claim serializes it with the sender — then
 * verifies it. When the rules say later, the slot waits in the ledger and the sender sends it then:
 * the result says `QUEUED` and until when. The sender is woken either way, to plan the work again.
 */
export async function complianceSlot(input: ComplianceSlotInput): Promise<ComplianceSlotResult> {
  tagRun({ target: `config-${input.configId}`, businessDate: regulatorDate(new Date(input.slot)) });
  const { sendRequestedComplianceSlot } = proxyActivities<ComplianceActivities>({
    // The request's own timeout (30 s) plus a minute of recording retries.
    startToCloseTimeout: '3 minutes',
    heartbeatTimeout: input.heartbeatTimeout ?? '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 20 },
  });
  const { workflowId, taskQueue } = workflowInfo();
  let result: ComplianceSlotResult = { outcome: 'QUEUED', reason: 'the sender is sending this work' };
  // The slot is made PENDING again once, by the first call that holds the work's claim.
  let reopen = true;
  for (let attempt = 0; attempt < BUSY_TRIES; attempt++) {
    const answer = await sendRequestedComplianceSlot({ ...input, owner: workflowId, reopen });
    if (answer.done || answer.reopened) reopen = false;
    if (answer.done) {
      result = { outcome: answer.outcome, receipt: answer.receipt, verified: answer.verified, reason: answer.reason };
      break;
    }
    result = { outcome: 'QUEUED', reason: `${answer.reason} (${answer.retryAt})` };
    if (!answer.busy) break;
    await sleep(Math.max(1, Date.parse(answer.retryAt) - Date.now()));
  }
  await getExternalWorkflowHandle(senderWorkflowId(taskQueue))
    .signal(wakeSignal, { configIds: [input.configId] })
    .catch((error: unknown) => log.warn('compliance sender not woken', { error: (error as Error).message }));
  return result;
}
