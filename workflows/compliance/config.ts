import {
  condition,
  continueAsNew,
  executeChild,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createComplianceActivities } from '../../activities/compliance';
import { regulatorDate } from '../../lib/compliance/calendar';
import { BUSINESS_DATE, PIPELINE, PIPELINE_TARGET } from '../../lib/search-attributes';
import { tagRun } from '../run-context';
import { complianceSlot } from './slot';
import {
  complianceStateQuery,
  configChangedSignal,
  slotWorkflowId,
  submitNowSignal,
  type ComplianceConfigInput,
  type ComplianceStatus,
} from './types';

type ComplianceActivities = ReturnType<typeof createComplianceActivities>;

/** After a slot's run failed (not an answer: e.g. DGA_BASE_URL unset), the work rests this long. */
const AFTER_FAILURE_MS = 5 * 60_000;
const MAX_HISTORY_EVENTS = 5_000;

/**
 * The entity workflow of one configuration, `compliance-config/<id>`: it serializes every send of
 * its work. Plan (an activity: ledger rows, payloads, the sending rules) → sleep on a durable timer
 * until the rules allow the next send → send it as the child `compliance/<id>/<slot>` → plan again.
 * With nothing to send, it sleeps until the plan's wake time (the next slot, data worth another look).
 * A deactivated configuration completes; a BLOCKED one idles until `configChanged`. It continues
 * as new every `sendsPerRun` sends, carrying pending operator requests.
 */
export async function complianceConfig(input: ComplianceConfigInput): Promise<{ stopped: string }> {
  const { configId } = input;
  tagRun({ target: `config-${configId}` });
  const { planComplianceSlots } = proxyActivities<ComplianceActivities>({
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: input.heartbeatTimeout ?? '30 seconds',
    // Planning only reads and opens rows: it may retry as long as the database is away.
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  });
  let changed = false;
  const submitNow = [...(input.submitNow ?? [])];
  let status: ComplianceStatus = { state: 'idle', backlog: 0 };
  setHandler(configChangedSignal, () => void (changed = true));
  setHandler(submitNowSignal, ({ slot }) => void submitNow.push(slot));
  setHandler(complianceStateQuery, () => status);
  const woken = () => changed || submitNow.length > 0;
  const sendsPerRun = input.sendsPerRun ?? 100;
  let sends = 0;

  for (;;) {
    changed = false;
    const plan = await planComplianceSlots({ configId, submitNow: submitNow.splice(0) });
    status = {
      state: plan.state,
      backlog: plan.backlog,
      nextWakeAt: plan.wakeAt,
      nextSlot: plan.next?.slot,
      reason: plan.reason,
    };
    if (plan.state === 'stopped') return { stopped: plan.reason ?? 'stopped' };
    if (plan.state === 'blocked') {
      status.nextWakeAt = undefined;
      await condition(woken);
      continue;
    }
    const sendAt = plan.next ? Date.parse(plan.next.at) : Infinity;
    if (plan.next && sendAt <= (plan.wakeAt ? Date.parse(plan.wakeAt) : sendAt)) {
      // The send is the next thing due. The rules' wait (spacing, daily resend) is a durable
      // timer; the submit activity checks them again, so the send goes without planning again
      // unless a signal came meanwhile.
      const waitMs = sendAt - Date.now();
      if (waitMs > 0 && (await condition(woken, waitMs))) continue;
      status = { ...status, state: 'sending', nextWakeAt: undefined };
      const { slot } = plan.next;
      try {
        await executeChild(complianceSlot, {
          workflowId: slotWorkflowId(configId, slot),
          args: [{ configId, slot, heartbeatTimeout: input.heartbeatTimeout }],
          typedSearchAttributes: [
            { key: PIPELINE, value: 'compliance' },
            { key: PIPELINE_TARGET, value: `config-${configId}` },
            { key: BUSINESS_DATE, value: regulatorDate(new Date(slot)) },
          ],
        });
      } catch (error) {
        // An answer is never an error; this is a failure before the request left. The ledger
        // still says what happened; rest, then plan again.
        log.warn('compliance slot run failed', { configId, slot, error: (error as Error).message });
        await condition(woken, AFTER_FAILURE_MS);
      }
      sends += 1;
      if (sends >= sendsPerRun || workflowInfo().continueAsNewSuggested)
        return continueAsNew<typeof complianceConfig>({ ...input, submitNow: submitNow.splice(0) });
      continue;
    }
    const wakeMs = plan.wakeAt ? Date.parse(plan.wakeAt) - Date.now() : undefined;
    if (wakeMs === undefined) await condition(woken);
    else if (wakeMs > 0) await condition(woken, wakeMs);
    if (workflowInfo().historyLength > MAX_HISTORY_EVENTS || workflowInfo().continueAsNewSuggested)
      return continueAsNew<typeof complianceConfig>({ ...input, submitNow: submitNow.splice(0) });
  }
}
