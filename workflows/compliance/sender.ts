import { condition, continueAsNew, log, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createComplianceActivities } from '../../activities/compliance';
import { senderStateQuery, wakeSignal, type SenderState } from '../../lib/compliance/sender-contract';
import { tagRun } from '../run-context';
import type { ComplianceSenderInput } from './types';

type ComplianceActivities = ReturnType<typeof createComplianceActivities>;

/** A batch starts at least this long after one ended, so works coming due one by one are sent together. */
const MIN_BATCH_GAP_MS = 25;
/** After a batch failed for good, the works come due again this soon (their claims expire by then or sooner). */
const AFTER_FAILED_BATCH_MS = 60_000;

/**
 * The compliance sender, `compliance-sender/<task queue>`: every automatic send of every work goes
 * through it. It keeps up to `batches` batch activities running while works are due; each one's
 * lanes claim the works due now (their `next_plan_at`, in the ledger), send each as far as the
 * rules allow now — plan, submit, verify — and release it with its next time, until nothing is due.
 * Between batches the sender sleeps on a durable timer until the next work comes due, or until a
 * configuration changes (`wake`). A work is held by one claim at a time, so its sends are
 * serialized; the rules' waits are this timer, never a sleeping activity. It continues as new
 * between batches when its history grows.
 */
export async function complianceSender(input: ComplianceSenderInput = {}): Promise<void> {
  tagRun({ target: 'sender' });
  const { workflowId, runId } = workflowInfo();
  const batches = input.batches ?? 10;
  const maxHistoryEvents = input.maxHistoryEvents ?? 10_000;
  // A batch only reads and writes the ledger and talks to the regulators under the rules: it may
  // retry as long as the database is away, and a retry resumes the works its attempt held.
  const { sendDueComplianceWorks } = proxyActivities<ComplianceActivities>({
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: input.heartbeatTimeout ?? '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 50 },
  });
  const { wakeComplianceWorks } = proxyActivities<ComplianceActivities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  });

  const woken = new Set<string>(input.woken ?? []);
  let lookAt = -Infinity;
  let changed = false;
  let started = 0;
  const running = new Set<Promise<void>>();
  const totals: Pick<SenderState, 'works' | 'sends' | 'failures'> = { works: 0, sends: {}, failures: 0 };
  const lookAgainAt = (at: number) => {
    lookAt = Math.min(lookAt, at);
    changed = true;
  };
  setHandler(wakeSignal, ({ configIds }) => {
    for (const id of configIds) woken.add(id);
    lookAgainAt(-Infinity);
  });
  setHandler(senderStateQuery, () => ({
    ...totals,
    batches: started,
    running: running.size,
    nextLookAt: Number.isFinite(lookAt) ? new Date(Math.max(lookAt, Date.now())).toISOString() : null,
  }));

  const launch = () => {
    started += 1;
    const batch = sendDueComplianceWorks({ owner: `${workflowId}/${runId}/${started}` }).then(
      (result) => {
        totals.works += result.works;
        totals.failures += result.failed.length;
        for (const [outcome, n] of Object.entries(result.sends))
          totals.sends[outcome] = (totals.sends[outcome] ?? 0) + n;
        if (result.nextAt) lookAgainAt(Math.max(Date.parse(result.nextAt), Date.now() + MIN_BATCH_GAP_MS));
      },
      (error: unknown) => {
        log.error('compliance batch failed', { error: (error as Error).message });
        totals.failures += 1;
        lookAgainAt(Date.now() + AFTER_FAILED_BATCH_MS);
      },
    );
    const tracked = batch.finally(() => {
      running.delete(tracked);
      changed = true;
    });
    running.add(tracked);
  };

  for (;;) {
    if (workflowInfo().historyLength > maxHistoryEvents || workflowInfo().continueAsNewSuggested) {
      // Between batches: their claims end with them, and the next run starts from the ledger.
      await condition(() => running.size === 0);
      return continueAsNew<typeof complianceSender>({ ...input, woken: [...woken] });
    }
    const free = batches - running.size;
    if (free > 0 && Date.now() >= lookAt) {
      lookAt = Infinity;
      if (woken.size > 0) {
        // Made due before any batch looks, so every batch finds them.
        const configIds = [...woken];
        woken.clear();
        await wakeComplianceWorks({ configIds });
      }
      for (let i = 0; i < free; i++) launch();
      continue;
    }
    changed = false;
    const waitMs = lookAt - Date.now();
    if (free === 0 || !Number.isFinite(waitMs)) await condition(() => changed);
    else await condition(() => changed, Math.max(1, waitMs));
  }
}
