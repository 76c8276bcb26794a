import type { QueryRunner } from './configs';

/**
 * Every write of `compliance_attempts`: one row per request to a regulator, SUBMIT (written
 * IN_FLIGHT and committed before the POST leaves, then its outcome) or VERIFY (written with its
 * answer: a GET changes nothing at the regulator).
 */

/** A work's SUBMIT attempts left IN_FLIGHT: their worker died or lost the answer. */
export async function listInFlightAttempts(client: QueryRunner, configId: string) {
  const { rows } = await client.query<{ slot: Date; attempt: number; started_at: Date }>(
    `SELECT slot, attempt, started_at FROM compliance_attempts
      WHERE config_id = $1::bigint AND kind = 'SUBMIT' AND outcome = 'IN_FLIGHT'`,
    [configId],
  );
  return rows;
}

/** An IN_FLIGHT attempt becomes NO_ANSWER, ended at `endedAt`. */
export async function resolveUnansweredAttempt(
  client: QueryRunner,
  configId: string,
  slot: Date,
  attempt: number,
  endedAt: Date,
) {
  await client.query(
    `UPDATE compliance_attempts SET outcome = 'NO_ANSWER', finished_at = $4,
            answer = '{"resolved":"no answer was recorded: the worker stopped or the answer was lost"}'
      WHERE config_id = $1::bigint AND slot = $2 AND kind = 'SUBMIT' AND attempt = $3`,
    [configId, slot, attempt, endedAt],
  );
}

/** The intent of a send, committed before its request leaves. */
export async function insertInFlightAttempt(
  client: QueryRunner,
  configId: string,
  slot: string,
  attempt: number,
  startedAt: Date,
) {
  await client.query(
    `INSERT INTO compliance_attempts (config_id, slot, attempt, kind, started_at, outcome)
     VALUES ($1::bigint, $2, $3, 'SUBMIT', $4, 'IN_FLIGHT')`,
    [configId, slot, attempt, startedAt],
  );
}

export interface AttemptAnswer {
  outcome: string;
  httpStatus: number | null;
  /** The stored answer, as JSON text (secrets already masked). */
  answer: string;
  receipt: string | null;
}

/**
 * A SUBMIT attempt's answer. Also over NO_ANSWER: a late answer of an attempt another execution
 * gave up on still counts.
 */
export async function recordAttemptOutcome(
  client: QueryRunner,
  configId: string,
  slot: string,
  attempt: number,
  result: AttemptAnswer & { finishedAt: Date },
) {
  await client.query(
    `UPDATE compliance_attempts SET outcome = $4, http_status = $5, answer = $6, receipt = $7, finished_at = $8
      WHERE config_id = $1::bigint AND slot = $2 AND kind = 'SUBMIT' AND attempt = $3
        AND outcome IN ('IN_FLIGHT', 'NO_ANSWER')`,
    [configId, slot, attempt, result.outcome, result.httpStatus, result.answer, result.receipt, result.finishedAt],
  );
}

/** A VERIFY attempt, numbered after the slot's earlier ones, with its answer. */
export async function insertVerifyAttempt(
  client: QueryRunner,
  configId: string,
  slot: string,
  result: AttemptAnswer & { at: Date },
) {
  await client.query(
    `INSERT INTO compliance_attempts (config_id, slot, attempt, kind, started_at, finished_at, outcome, http_status, answer, receipt)
     SELECT $1::bigint, $2, coalesce(max(attempt), 0) + 1, 'VERIFY', $3, $3, $4, $5, $6, $7
       FROM compliance_attempts WHERE config_id = $1::bigint AND slot = $2 AND kind = 'VERIFY'`,
    [configId, slot, result.at, result.outcome, result.httpStatus, result.answer, result.receipt],
  );
}
