import { defineQuery, defineSignal } from '@temporalio/workflow';

/**
 * What the compliance workflows share with their callers (the API, the schedules, the sender's
 * client, tests): the task queue, the workflow ids, the wake signal and the state query. Ids are
 * business ids: the same work always has the same one, so a second start finds the first.
 */
export const COMPLIANCE_TASK_QUEUE = 'compliance';

/** One sender per task queue: `compliance-sender/compliance` on the local stack and in production. */
export const senderWorkflowId = (taskQueue: string = COMPLIANCE_TASK_QUEUE) => `compliance-sender/${taskQueue}`;
/** An operator's request for one slot; a second request while it runs finds the first. */
export const slotWorkflowId = (configId: string, slot: string) => `compliance/${configId}/${slot}`;

/** The sender's own account: what it is doing now, and totals of this run. */
export interface SenderState {
  /** Batches started in this run, and running now. */
  batches: number;
  running: number;
  /** When the next batch starts, if fewer than `batches` run (null: when woken). */
  nextLookAt: string | null;
  /** Works sent or planned in this run. */
  works: number;
  /** Sends of this run by outcome (`ACCEPTED+CONFIRMED`, `NO_ANSWER`…). */
  sends: Record<string, number>;
  /** Works whose run failed before an answer, and batches that failed. */
  failures: number;
}

/** Configurations created or changed: plan them now. */
export type WakeArgs = [{ configIds: string[] }];
export const wakeSignal = defineSignal<WakeArgs>('wake');
export const senderStateQuery = defineQuery<SenderState>('senderState');
