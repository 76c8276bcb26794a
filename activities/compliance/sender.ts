import type { Database } from '../../lib/db';
import { planNextSend } from '../../lib/compliance/planner';
import { claimDueWork, claimWork, loadComplianceConfig, readRequestedSlot, releaseWork } from '../../data/compliance';
import { planComplianceSlots, type PlanOptions, type PlanResult } from './plan';
import { submitComplianceSlot, type SubmitDeps, type SubmitResult } from './submit';
import { verifyComplianceSlot, type VerifyDeps } from './verify';

/**
 * The sending path of every work, shared by the sender's batches and an operator's
 * slot workflow. A work is sent by one owner at a time: its row is **claimed** (`claimed_by`,
 * bounded by `claimed_until`), planned, sent as far as the rules allow now — submit, then the DGA
 * verify GET — and **released** with the time it is worth looking at again
 * (`next_plan_at`). The rules' waits are never slept here: the work goes back to the ledger and
 * the workflow's durable timer brings it back.
 */
export interface SendDeps {
  db: Database;
  now: () => Date;
  plan: PlanOptions;
  submit: SubmitDeps;
  verify: VerifyDeps;
  /** A work whose run failed (not an answer: e.g. DGA_BASE_URL unset, the database away) rests this long. */
  failureRestMs: number;
}

/** A claim outlives any batch (its activity times out first); it only matters if its owner died. */
export const CLAIM_LEASE_MS = 10 * 60_000;
/** Sends of one work per claim (an SMA backlog has no spacing); the rest go at its next claim. */
const SENDS_PER_CLAIM = 24;
/** Outcomes whose users hear of them at once. */
const NOTIFYING = new Set(['REJECTED', 'CONFIG_ERROR', 'UNAUTHORIZED']);

export interface WorkResult {
  configId: string;
  /** What each send of this claim came to: the submit's outcome, then the verify's (`ACCEPTED+CONFIRMED`…). */
  sends: string[];
  /** When the work is worth looking at again (null: never, until it changes). */
  nextAt: string | null;
  /** Its users have something to hear (a rejection, a configuration error, a mismatch). */
  notify: boolean;
  error?: string;
}

/**
 * Claims one work due now that nobody holds, the longest due first (lanes and workers claiming at
 * once never wait on each other or take the same work).
 */
function claimNextDueWork(deps: SendDeps, owner: string): Promise<string | undefined> {
  const now = deps.now();
  return claimDueWork(deps.db, now, owner, new Date(now.getTime() + CLAIM_LEASE_MS));
}

/** Gives the work back with the plan's account of it; only its owner can. */
async function release(deps: SendDeps, configId: string, owner: string, plan: PlanResult | { error: string }) {
  const [nextAt, state, reason] =
    'error' in plan
      ? [new Date(deps.now().getTime() + deps.failureRestMs).toISOString(), 'failing', plan.error]
      : [
          plan.state === 'stopped' || plan.state === 'blocked' ? 'infinity' : (plan.wakeAt ?? 'infinity'),
          plan.state,
          plan.reason,
        ];
  await releaseWork(deps.db, configId, owner, { nextAt, state, reason });
  return nextAt === 'infinity' ? null : nextAt;
}

/** One send and its verification; `notify` when the work's users have something to hear. */
async function sendSlot(deps: SendDeps, configId: string, slot: string, owner: string) {
  const sent: SubmitResult = await submitComplianceSlot(deps.submit, { configId, slot, owner });
  // The answer's time, at the latest: the work's next send waits the spacing after it.
  const answeredAt = deps.now().getTime();
  if (sent.outcome === 'ACCEPTED' || sent.outcome === 'DUPLICATE') {
    // The SMA's receipt confirms at once (SKIPPED); a DGA one is checked against the DGA's record.
    const verified = await verifyComplianceSlot(deps.verify, { configId, slot });
    return { sent, verified: verified.outcome, notify: verified.outcome === 'MISMATCH', answeredAt };
  }
  return { sent, verified: undefined, notify: NOTIFYING.has(sent.outcome), answeredAt };
}

/**
 * A claimed work: plan, then send while the plan's next send is due now (the spacing makes that
 * one send for a DGA work), then release it with the plan's wake time. A failure before an answer
 * releases it to rest `failureRestMs`; the ledger already says what happened to each attempt.
 */
export async function sendWork(deps: SendDeps, configId: string, owner: string): Promise<WorkResult> {
  const result: WorkResult = { configId, sends: [], nextAt: null, notify: false };
  try {
    let plan = await planComplianceSlots(deps.db, deps.plan, { configId });
    for (let i = 0; i < SENDS_PER_CLAIM && plan.next && Date.parse(plan.next.at) <= deps.now().getTime(); i++) {
      const { sent, verified, notify, answeredAt } = await sendSlot(deps, configId, plan.next.slot, owner);
      result.sends.push(verified ? `${sent.outcome}+${verified}` : sent.outcome);
      result.notify ||= notify;
      if ((sent.outcome === 'ACCEPTED' || sent.outcome === 'DUPLICATE') && plan.source === 'DGA') {
        // Nothing more can leave for this work before the spacing: it is planned again then.
        plan = {
          state: 'waiting-spacing',
          backlog: plan.backlog,
          wakeAt: new Date(answeredAt + deps.plan.spacingMs).toISOString(),
        };
        break;
      }
      plan = await planComplianceSlots(deps.db, deps.plan, { configId });
      if (sent.outcome === 'DEFERRED') break;
    }
    result.nextAt = await release(deps, configId, owner, plan);
  } catch (error) {
    result.error = (error as Error).message.slice(0, 300);
    result.nextAt = await release(deps, configId, owner, { error: result.error }).catch(() => null);
  }
  return result;
}

/**
 * A batch's lanes: each claims a work due now (or one of `resumed` first), sends it with
 * `sendWork`, and claims the next. A lane that finds nothing due while others are busy waits until
 * a sibling claims a work, then looks again (works come due while others are sent); all stop when
 * no lane is busy and nothing is due, after `until`, or once `signal` aborts. A database error in
 * a claim stops every lane, then is thrown, so no lane outlives the batch.
 */
export async function sendDueWorks(
  deps: SendDeps,
  options: {
    owner: string;
    lanes: number;
    resumed: string[];
    until: number;
    signal: AbortSignal;
    onWork?: (result: WorkResult) => void;
  },
): Promise<WorkResult[]> {
  const { owner, resumed, until, signal } = options;
  const results: WorkResult[] = [];
  let busy = 0;
  let done = false;
  let failure: unknown;
  const idle: (() => void)[] = [];
  const wakeIdle = () => {
    for (const wake of idle.splice(0)) wake();
  };
  const stop = () => {
    done = true;
    wakeIdle();
  };
  const claim = async () => {
    if (signal.aborted) return undefined;
    try {
      return resumed.shift() ?? (Date.now() < until ? await claimNextDueWork(deps, owner) : undefined);
    } catch (error) {
      failure ??= error;
      stop();
      return undefined;
    }
  };
  const lane = async () => {
    while (!done) {
      const id = await claim();
      if (id) {
        // More may be due: the idle lanes look too.
        wakeIdle();
        busy += 1;
        const result = await sendWork(deps, id, owner);
        results.push(result);
        options.onWork?.(result);
        busy -= 1;
      } else if (busy === 0) stop();
      else if (!done) await new Promise<void>((resolve) => idle.push(resolve));
    }
  };
  await Promise.all(Array.from({ length: options.lanes }, lane));
  if (failure) throw failure;
  return results;
}

export type SlotRequestResult =
  | { done: true; outcome: string; receipt?: string; verified?: string; reason?: string; notify?: boolean }
  | { done: false; retryAt: string; reason: string; busy?: boolean; reopened?: boolean };

/**
 * An operator's request for one slot (the API's submit): the slot is made PENDING again (`reopen`)
 * and sent now if the rules allow it — its payload, the daily resend, the spacing. Otherwise the
 * answer says when the rules allow it (the sender sends it then: it is pending in the ledger), or
 * that the work is `busy` (the sender holds its claim: ask again shortly).
 */
export async function sendRequestedSlot(
  deps: SendDeps,
  input: { configId: string; slot: string; owner: string; reopen: boolean },
): Promise<SlotRequestResult> {
  const { configId, slot, owner } = input;
  const now = deps.now();
  let reopened = false;
  const soon = (ms: number, reason: string, busy = false): SlotRequestResult => ({
    done: false,
    retryAt: new Date(now.getTime() + ms).toISOString(),
    reason,
    busy,
    reopened,
  });
  if (!(await claimWork(deps.db, now, configId, owner, new Date(now.getTime() + CLAIM_LEASE_MS))))
    return soon(2_000, 'the sender is sending this work now', true);
  let plan: PlanResult | { error: string } = { error: 'not planned' };
  try {
    plan = await planComplianceSlots(deps.db, deps.plan, { configId, submitNow: input.reopen ? [slot] : [] });
    reopened = input.reopen;
    if (plan.state === 'stopped' || plan.state === 'blocked')
      return { done: true, outcome: 'NOT_SENT', reason: plan.reason ?? plan.state };
    const row = await readRequestedSlot(deps.db, configId, slot);
    if (!row || row.status !== 'PENDING')
      return { done: true, outcome: 'NOT_SENT', reason: row ? `slot is ${row.status}` : 'no such slot' };
    if (!row.ready) return soon(deps.plan.dataRecheckMs, row.reason ?? 'waiting for data');
    // The planner's rules for this one slot: its retry time and the work's spacing.
    const config = await loadComplianceConfig(deps.db, configId);
    const rules = planNextSend({
      pending: [{ slot, ready: true, nextAttemptAt: row.next_attempt_at?.toISOString() ?? null }],
      lastSendAt: config?.lastSendAt?.toISOString() ?? null,
      now: now.toISOString(),
      spacingMs: config?.source === 'DGA' ? deps.plan.spacingMs : 0,
    });
    const at = rules.next ? Date.parse(rules.next.at) : now.getTime();
    if (at > now.getTime())
      return { done: false, retryAt: rules.next!.at, reason: 'the sending rules: not before this time', reopened };
    const { sent, verified, notify } = await sendSlot(deps, configId, slot, owner);
    plan = await planComplianceSlots(deps.db, deps.plan, { configId });
    if (sent.outcome === 'DEFERRED') return soon(1_000, sent.reason ?? 'deferred', true);
    return { done: true, outcome: sent.outcome, receipt: sent.receipt, verified, reason: sent.reason, notify };
  } catch (error) {
    plan = { error: (error as Error).message.slice(0, 300) };
    throw error;
  } finally {
    await release(deps, configId, owner, plan).catch(() => undefined);
  }
}
