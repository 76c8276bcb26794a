import { defineQuery, defineSignal } from '@temporalio/workflow';

/**
 * What the compliance workflows share with their callers (the API, the schedules, tests): ids,
 * the task queue, inputs, signals and the query. Ids are business ids (SPEC §3).
 */
export const COMPLIANCE_TASK_QUEUE = 'compliance';
export const SENDER_WORKFLOW_TYPE = 'complianceSender';
export const SLOT_WORKFLOW_TYPE = 'complianceSlot';

/** One sender per task queue: `compliance-sender/compliance` on the local stack and in production. */
export const senderWorkflowId = (taskQueue: string = COMPLIANCE_TASK_QUEUE) => `compliance-sender/${taskQueue}`;
/** An operator's request for one slot; a second request while it runs finds the first. */
export const slotWorkflowId = (configId: string, slot: string) => `compliance/${configId}/${slot}`;

export interface ComplianceSenderInput {
  /** Configurations to plan at once (created or changed), carried over a continue-as-new. */
  woken?: string[];
  /** Batch activities running at most at once; with 10 lanes each, at most 100 works are being sent. @default 10 */
  batches?: number;
  /** Activity heartbeat timeout, shorter in tests that kill workers. @default '30 seconds' */
  heartbeatTimeout?: string;
  /** History events before it continues as new (between batches). @default 10_000; its starters pass 1,000 */
  maxHistoryEvents?: number;
}

export interface ComplianceSlotInput {
  configId: string;
  slot: string;
  heartbeatTimeout?: string;
}

export interface ComplianceSlotResult {
  outcome: string;
  receipt?: string;
  verified?: string;
  reason?: string;
}

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
export const wakeSignal = defineSignal<[{ configIds: string[] }]>('wake');
export const senderStateQuery = defineQuery<SenderState>('senderState');
