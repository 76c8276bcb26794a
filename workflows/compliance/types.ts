/**
 * The compliance workflows' inputs and results. The values they share with their callers (task
 * queue, ids, the wake signal, the state query) are in lib/compliance/sender-contract.ts.
 */

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
