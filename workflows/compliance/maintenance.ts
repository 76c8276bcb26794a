import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createComplianceActivities } from '../../activities/compliance';
import type { DeliveryResult } from '../../platform/notifications/delivery';
import { tagRun } from '../run-context';

type ComplianceActivities = ReturnType<typeof createComplianceActivities>;

const { ensureComplianceSender, verifySentComplianceSlots, deliverPendingNotifications } =
  proxyActivities<ComplianceActivities>({
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '1 minute',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
  });

/** Every 10 minutes: the compliance sender of this task queue runs (started if it does not). */
export async function complianceEnsureSender(): Promise<{ workflowId: string; started: boolean }> {
  tagRun({ target: 'sender' });
  return ensureComplianceSender({ taskQueue: workflowInfo().taskQueue });
}

/** Every 2 hours (the old service's sync): SENT DGA slots checked against the DGA's record of their receipt. */
export async function complianceVerifySweep(input: { olderThanMs?: number } = {}): Promise<{
  verified: Record<string, number>;
  notifications: DeliveryResult;
}> {
  tagRun({ target: 'verify-sweep' });
  const counts = await verifySentComplianceSlots({ olderThanMs: input.olderThanMs });
  return { verified: counts, notifications: await deliverPendingNotifications({}) };
}
