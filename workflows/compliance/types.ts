import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ComplianceState } from '../../lib/compliance/planner';

/**
 * What the compliance workflows share with their callers (the API, the schedules, tests): ids,
 * the task queue, inputs, signals and the query. Ids are business ids (SPEC §3).
 */
export const COMPLIANCE_TASK_QUEUE = 'compliance';
export const CONFIG_WORKFLOW_TYPE = 'complianceConfig';

export const configWorkflowId = (configId: string) => `compliance-config/${configId}`;
export const slotWorkflowId = (configId: string, slot: string) => `compliance/${configId}/${slot}`;

export interface ComplianceConfigInput {
  configId: string;
  /** Operator requests carried over a continue-as-new. */
  submitNow?: string[];
  /** Activity timeouts, shorter in tests that kill workers. @default '30 seconds' */
  heartbeatTimeout?: string;
  /** Sends per run before continuing as new. @default 100 */
  sendsPerRun?: number;
}

export interface ComplianceSlotInput {
  configId: string;
  slot: string;
  heartbeatTimeout?: string;
}

export interface ComplianceSlotResult {
  outcome: string;
  receipt?: string;
  attempt?: number;
  verified?: string;
  reason?: string;
}

export interface ComplianceStatus {
  state: ComplianceState;
  nextWakeAt?: string;
  /** Slots due and not accepted yet. */
  backlog: number;
  /** The slot being sent, or to be sent next. */
  nextSlot?: string;
  reason?: string;
}

/** The configuration changed (created, updated, deactivated, unblocked): plan again now. */
export const configChangedSignal = defineSignal('configChanged');
/** An operator asks to send a pending or rejected slot now, within the sending rules. */
export const submitNowSignal = defineSignal<[{ slot: string }]>('submitNow');
export const complianceStateQuery = defineQuery<ComplianceStatus>('complianceState');
