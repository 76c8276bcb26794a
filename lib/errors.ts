import { ApplicationFailure } from '@temporalio/common';

/**
 * The one error taxonomy. Errors that retrying cannot fix extend `NonRetryableError` and carry
 * a stable `type`; the activity boundary (`toActivityFailure`) turns them into non-retryable
 * ApplicationFailures with that type. Anything else is left alone and retried with backoff.
 */
export abstract class NonRetryableError extends Error {
  abstract readonly type: string;
  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** The input of a run or an activity is invalid (a bad date, an unknown target). */
export class InvalidInputError extends NonRetryableError {
  override readonly name = 'InvalidInputError';
  readonly type = 'InvalidInput';
}

/** An upstream refused our credentials. */
export class BadCredentialsError extends NonRetryableError {
  override readonly name = 'BadCredentialsError';
  readonly type = 'BadCredentials';
}

/** An upstream rejected a payload as invalid; sending it again gets the same answer. */
export class RejectedPayloadError extends NonRetryableError {
  override readonly name = 'RejectedPayloadError';
  readonly type = 'RejectedPayload';
}

/** The upstream table's schema no longer matches its declaration (ETL); `details.problems` lists how. */
export class SchemaMismatchError extends NonRetryableError {
  override readonly name = 'SchemaMismatchError';
  readonly type = 'SchemaMismatch';
}

/** A merge would delete what looks like a failed upstream's absence of rows, not real deletions (ETL). */
export class SuspiciousDeletionError extends NonRetryableError {
  override readonly name = 'SuspiciousDeletionError';
  readonly type = 'SuspiciousDeletion';
}

/**
 * A run's staging table no longer holds what its checkpoint says (PostgreSQL crash-truncated the
 * unlogged table): the checkpoint is reset and the workflow extracts the window again (ETL).
 */
export class StagingLostError extends NonRetryableError {
  override readonly name = 'StagingLostError';
  readonly type = 'StagingLost';
}

/** A setting the activity needs is missing (e.g. an upstream URL). */
export class MissingConfigurationError extends NonRetryableError {
  override readonly name = 'MissingConfigurationError';
  readonly type = 'MissingConfiguration';
}

export function toActivityFailure(error: unknown): unknown {
  if (error instanceof NonRetryableError) {
    // Details travel into the history: callers must keep secrets out of them.
    return ApplicationFailure.create({
      message: error.message,
      type: error.type,
      nonRetryable: true,
      details: error.details ? [error.details] : undefined,
      cause: undefined,
    });
  }
  return error;
}

type AnyFunction = (...args: never[]) => Promise<unknown>;

/** Wraps every activity of a map so its errors pass through `toActivityFailure`. */
export function withFailureMapping<T extends Record<string, AnyFunction>>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      async (...args: never[]) => {
        try {
          return await fn(...args);
        } catch (error) {
          throw toActivityFailure(error);
        }
      },
    ]),
  ) as T;
}
