import { setTimeout as sleep } from 'node:timers/promises';
import type { PoolClient } from 'pg';
import type { Database } from '../../lib/db';
import { MissingConfigurationError } from '../../lib/errors';
import {
  classifyDgaAnswer,
  classifySmaAnswer,
  effectOf,
  retryDelayMs,
  type AttemptOutcome,
  type Classified,
} from '../../lib/compliance/answers';
import {
  blockConfig,
  insertInFlightAttempt,
  isSlotInDoubt,
  listInFlightAttempts,
  loadComplianceConfig,
  lockSlot,
  markSlotAttempted,
  recordAttemptOutcome,
  recordLastSend,
  recordSlotAccepted,
  recordSlotNotAccepted,
  resolveUnansweredAttempt,
  retryUnansweredSlot,
  type ComplianceConfigRow,
} from '../../data/compliance';
import { heartbeatWhile } from '../heartbeat';
import type { CredentialsStore } from '../../platform/credentials';
import { resolveDgaCredentials, resolveSmaCredentials, type DgaCredentials, type SmaCredentials } from './credentials';
import { submitDgaMeasurement } from './dga-client';
import { storableAnswer } from './http';
import { notifyCompliance } from './notify';
import type { SmaClient } from './sma-client';

/**
 * Sends one slot, exactly once:
 * 1. under the work's row lock, an IN_FLIGHT attempt left by an earlier execution (the worker died,
 *    the answer was lost) is resolved first: it becomes NO_ANSWER and the slot waits for the
 *    retry rule, whose resend the regulator answers "Ya existe … Comprobante X" if it had it;
 *    otherwise the rules are checked again and the attempt is written IN_FLIGHT and COMMITTED;
 * 2. only then the POST leaves; its answer, whatever it is, is an outcome, not an exception;
 * 3. the outcome, the ledger status, a block of the configuration and the notifications are
 *    written in one transaction.
 * Temporal's activity retries cover failures before the request leaves (the database down…): a
 * retry after step 1 never posts again, it resolves.
 */
export interface SubmitDeps {
  db: Database;
  credentials: CredentialsStore;
  sma: SmaClient;
  now: () => Date;
  dgaBaseUrl: string | undefined;
  smaBaseUrl: string | undefined;
  spacingMs: number;
  retryEveryMs: number;
  httpTimeoutMs: number;
}

export interface SubmitResult {
  /** DEFERRED: nothing sent (an unanswered attempt was resolved, or the rules say not yet). */
  outcome: AttemptOutcome | 'DEFERRED';
  receipt?: string;
  attempt?: number;
  reason?: string;
}

type Intent =
  | { send: false; result: SubmitResult }
  | { send: true; config: ComplianceConfigRow; attempt: number; payload: unknown };

/** `owner` holds the work's claim (activities/compliance/sender.ts): only the claim's owner sends. */
export interface SubmitInput {
  configId: string;
  slot: string;
  owner: string;
}

export async function submitComplianceSlot(deps: SubmitDeps, input: SubmitInput) {
  const config = await loadComplianceConfig(deps.db, input.configId);
  // An INACTIVE work still resolves its sends left without an answer (in-doubt.ts); recordIntent checks which.
  if (!config || (config.status !== 'ACTIVE' && config.status !== 'INACTIVE'))
    return { outcome: 'DEFERRED', reason: 'configuration not active' } satisfies SubmitResult;
  const secret = resolveSecret(deps, config);
  if (!secret.ok) {
    // Nothing can be sent without credentials: the configuration stops and its users hear why.
    await deps.db.withTransaction(async (client) => {
      if (await blockConfig(client, config.id, secret.reason))
        await notifyCompliance(client, config, input.slot, 'compliance.config_error', secret.reason);
    });
    return { outcome: 'CONFIG_ERROR', reason: secret.reason } satisfies SubmitResult;
  }

  // Settings first: nothing is recorded IN_FLIGHT for a request that cannot leave.
  const url = baseUrl(config.source === 'DGA' ? deps.dgaBaseUrl : deps.smaBaseUrl, `${config.source}_BASE_URL`);
  const intent = await deps.db.withTransaction((client) => recordIntent(deps, client, input));
  if (!intent.send) return intent.result;

  const startedAt = deps.now();
  const answer = await heartbeatWhile(
    config.source === 'DGA'
      ? submitDgaMeasurement(
          { baseUrl: url, kind: config.workKind!, codigoObra: config.codigoObra! },
          secret.dga!,
          intent.payload as Record<string, unknown>,
          startedAt,
          deps.httpTimeoutMs,
        )
      : deps.sma.submit(
          {
            baseUrl: url,
            ufId: config.smaUfId!,
            procesoId: config.smaProcesoId!,
          },
          secret.sma!,
          intent.payload,
          deps.httpTimeoutMs,
        ),
    () => ({ slot: input.slot, attempt: intent.attempt, waiting: 'answer' }),
  );
  const classified = config.source === 'DGA' ? classifyDgaAnswer(answer) : classifySmaAnswer(answer);
  const stored = storableAnswer(answer, [secret.password]);
  await recordWithRetries(() =>
    deps.db.withTransaction((client) =>
      recordOutcome(deps, client, intent.config, input.slot, intent.attempt, classified, answer, stored),
    ),
  );
  return {
    outcome: classified.outcome,
    receipt: classified.receipt,
    attempt: intent.attempt,
    reason: classified.reason?.slice(0, 300),
  } satisfies SubmitResult;
}

function baseUrl(value: string | undefined, variable: string): string {
  if (!value) throw new MissingConfigurationError(`${variable} is not set`);
  return value;
}

type ResolvedSecret =
  { ok: true; dga?: DgaCredentials; sma?: SmaCredentials; password: string } | { ok: false; reason: string };

function resolveSecret(deps: SubmitDeps, config: ComplianceConfigRow): ResolvedSecret {
  if (config.source === 'DGA') {
    const dga = resolveDgaCredentials(deps.credentials, config.credentialsRef);
    return dga.ok ? { ok: true, dga: dga.value, password: dga.value.password } : { ok: false, reason: dga.reason };
  }
  const sma = resolveSmaCredentials(deps.credentials, config.credentialsRef);
  return sma.ok ? { ok: true, sma: sma.value, password: sma.value.password } : { ok: false, reason: sma.reason };
}

async function recordIntent(deps: SubmitDeps, client: PoolClient, input: SubmitInput) {
  const now = deps.now();
  const config = await loadComplianceConfig(client, input.configId, true);
  if (!config || (config.status !== 'ACTIVE' && config.status !== 'INACTIVE'))
    return { send: false, result: { outcome: 'DEFERRED', reason: 'configuration not active' } } satisfies Intent;
  // One owner sends a work at a time: an IN_FLIGHT attempt seen below is then always a dead one.
  if (config.claimedBy !== input.owner || !config.claimedUntil || config.claimedUntil <= now)
    return {
      send: false,
      result: { outcome: 'DEFERRED', reason: 'the work is not claimed by this sender' },
    } satisfies Intent;
  const inFlight = await listInFlightAttempts(client, config.id);
  if (inFlight.length > 0) {
    let lastEnded = now;
    for (const row of inFlight) {
      // The request may still be in the regulator's hands: it counts as ended when a live worker
      // would have given up on it, so nothing is sent for the work while it could still be answered.
      const ended = new Date(Math.max(now.getTime(), row.started_at.getTime() + deps.httpTimeoutMs));
      if (ended > lastEnded) lastEnded = ended;
      const delay = retryDelayMs(config.source, row.attempt, deps.retryEveryMs);
      await resolveUnansweredAttempt(client, config.id, row.slot, row.attempt, ended);
      await retryUnansweredSlot(client, config.id, row.slot, new Date(ended.getTime() + delay), row.attempt);
    }
    await recordLastSend(client, config.id, lastEnded);
    return {
      send: false,
      result: { outcome: 'DEFERRED', reason: `resolved ${inFlight.length} unanswered attempt(s)` },
    } satisfies Intent;
  }
  const row = await lockSlot(client, config.id, input.slot);
  // The rules again, under the lock: whatever planned this send, they hold here.
  const refusal = !row
    ? 'no such slot'
    : config.status === 'INACTIVE' && !(await isSlotInDoubt(client, config.id, input.slot))
      ? 'configuration not active: only a send left without an answer is resolved'
      : row.status !== 'PENDING'
        ? `slot is ${row.status}`
        : row.payload === null
          ? 'slot has no payload yet'
          : row.next_attempt_at && row.next_attempt_at > now
            ? 'retry rule: not before next_attempt_at'
            : config.source === 'DGA' &&
                config.lastSendAt &&
                config.lastSendAt.getTime() + deps.spacingMs > now.getTime()
              ? 'spacing rule: too soon after the previous send'
              : undefined;
  if (refusal) return { send: false, result: { outcome: 'DEFERRED', reason: refusal } } satisfies Intent;
  const attempt = row!.attempts + 1;
  await insertInFlightAttempt(client, config.id, input.slot, attempt, now);
  await markSlotAttempted(client, config.id, input.slot, attempt, now);
  return { send: true, config, attempt, payload: row!.payload } satisfies Intent;
}

async function recordOutcome(
  deps: SubmitDeps,
  client: PoolClient,
  config: ComplianceConfigRow,
  slot: string,
  attempt: number,
  classified: Classified,
  answer: { status: number | 'none' },
  stored: unknown,
) {
  const finishedAt = deps.now();
  await recordAttemptOutcome(client, config.id, slot, attempt, {
    outcome: classified.outcome,
    httpStatus: answer.status === 'none' ? null : answer.status,
    answer: JSON.stringify(stored),
    receipt: classified.receipt ?? null,
    finishedAt,
  });
  const effect = effectOf(config.source, classified.outcome);
  const reason = classified.reason?.slice(0, 500) ?? null;
  if (effect.status === 'SENT' || effect.status === 'CONFIRMED') {
    await recordSlotAccepted(client, config.id, slot, effect.status, classified.receipt, finishedAt);
  } else {
    const next = effect.retries
      ? new Date(finishedAt.getTime() + retryDelayMs(config.source, attempt, deps.retryEveryMs))
      : null;
    await recordSlotNotAccepted(client, config.id, slot, effect.status, reason, next);
  }
  await recordLastSend(client, config.id, finishedAt);
  const blocked = effect.blocksConfig && (await blockConfig(client, config.id, reason ?? classified.outcome));
  if (effect.notify && (effect.notify !== 'compliance.config_error' || blocked))
    await notifyCompliance(client, config, slot, effect.notify, reason ?? classified.outcome);
}

/**
 * The answer is in hand: a short database outage must not lose it (losing it costs the slot a
 * day). Retried here for about a minute, heartbeating; after that the activity fails, its retry
 * finds the attempt IN_FLIGHT and resolves it as unanswered.
 */
async function recordWithRetries(write: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= 8) throw error;
      await heartbeatWhile(sleep(Math.min(500 * 2 ** attempt, 15_000)), () => ({ waiting: 'database', attempt }));
    }
  }
}
