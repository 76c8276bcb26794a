import { setTimeout as sleep } from 'node:timers/promises';
import { RejectedPayloadError } from '../lib/errors';

/**
 * The one HTTP client every outbound call goes through (regulators, telemetry providers, the CV
 * platform, notification webhooks and the SMS gateway), over the platform's fetch. Callers keep
 * their own decisions (what a status means to them, how long to wait, what to throw): they pass
 * them as options, so each behaves as it always has.
 */
export interface ExchangeOptions {
  /** From the request to the last byte of the body. */
  timeoutMs: number;
  /** The activity's cancellation: aborts the request at once, failing it with the signal's reason. */
  signal?: AbortSignal;
  /** What the request fails with when `timeoutMs` passes. @default a `TimeoutError` DOMException, as `AbortSignal.timeout` */
  timeoutError?: () => unknown;
}

/** An answer, whatever its status, with its body read as text. */
export interface HttpAnswer {
  status: number;
  ok: boolean;
  headers: Headers;
  text: string;
}

const defaultTimeoutError = () => new DOMException('The operation was aborted due to timeout', 'TimeoutError');

/**
 * One request and its body, bounded by `timeoutMs` and cancelled with `signal`. The signal is built
 * by hand and released after the request: `AbortSignal.any`/`timeout` keep every request's signal
 * and timer alive under a long-lived parent, which grows memory over a million-request load.
 */
export async function httpExchange(
  url: string | URL,
  init: RequestInit,
  options: ExchangeOptions,
): Promise<HttpAnswer> {
  const { signal, timeoutMs } = options;
  const controller = new AbortController();
  const cancel = () => controller.abort(signal?.reason);
  const timer = setTimeout(() => controller.abort((options.timeoutError ?? defaultTimeoutError)()), timeoutMs);
  if (signal?.aborted) cancel();
  else signal?.addEventListener('abort', cancel, { once: true });
  try {
    const response = await fetch(url, { ...init, signal: controller.signal });
    return { status: response.status, ok: response.ok, headers: response.headers, text: await response.text() };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', cancel);
  }
}

/**
 * What a status means to a caller that may retry: `refused` (a 4xx other than 429) cannot be fixed
 * by sending the same request again; `throttled` (429) and `failed` (5xx, anything else) can.
 */
export type StatusClass = 'ok' | 'throttled' | 'refused' | 'failed';

export function classifyStatus(status: number): StatusClass {
  if (status >= 200 && status <= 299) return 'ok';
  if (status === 429) return 'throttled';
  if (status >= 400 && status < 500) return 'refused';
  return 'failed';
}

/** A non-2xx as an error to throw: `RejectedPayloadError` when refused, `transient` otherwise; none for a 2xx. */
export function statusError(
  status: number,
  message: string,
  transient: (message: string) => Error = (text) => new Error(text),
): Error | undefined {
  const statusClass = classifyStatus(status);
  if (statusClass === 'ok') return undefined;
  return statusClass === 'refused' ? new RejectedPayloadError(message) : transient(message);
}

/**
 * A `Retry-After` (RFC 9110: delay-seconds or an HTTP date) in milliseconds; missing or unreadable,
 * one second. A date in the past is no wait.
 */
export function retryAfterMs(value: string | null, now = Date.now()): number {
  if (value === null || value.trim() === '') return 1_000;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1_000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? 1_000 : Math.max(0, at - now);
}

export interface WaitOptions {
  /** Cancels the wait at once (an `AbortError`). */
  signal?: AbortSignal;
  /** Called while waiting, so the activity heartbeats through a long wait. */
  onWait?: (reason: string) => void;
  /** Call `onWait` this often while waiting; without it, once before the wait. */
  tickMs?: number;
}

/** Sleeps `ms` (a backoff, a `Retry-After`), telling `onWait` why; cancelled at once with `signal`. */
export async function waitOut(ms: number, reason: string, options: WaitOptions = {}): Promise<void> {
  const { signal, onWait, tickMs } = options;
  if (tickMs === undefined) {
    onWait?.(reason);
    await sleep(ms, undefined, { signal });
    return;
  }
  const until = Date.now() + ms;
  for (let left = ms; left > 0; left = until - Date.now()) {
    onWait?.(reason);
    await sleep(Math.min(left, tickMs), undefined, { signal });
  }
}

/** Try again after `retryInMs` (a backoff, a `Retry-After`), for `reason`. */
export interface Retry {
  retryInMs: number;
  reason: string;
}

export interface RetryPolicy extends WaitOptions {
  maxAttempts: number;
  /**
   * After attempt `attempt` threw: the wait before the next, or throw when retrying cannot fix it.
   * Not asked once `signal` is aborted: the cancellation is thrown as it is.
   */
  afterError: (error: unknown, attempt: number) => Retry;
  /** Thrown when the last attempt did not succeed either. */
  exhausted: () => Error;
}

/**
 * Runs `attempt` (1, 2, …) until it is `done`, waiting between attempts as it (or `afterError`)
 * says, at most `maxAttempts` times; no wait after the last one.
 */
export async function withRetries<T>(
  attempt: (attempt: number) => Promise<{ done: T } | Retry>,
  policy: RetryPolicy,
): Promise<T> {
  for (let n = 1; n <= policy.maxAttempts; n++) {
    let retry: Retry;
    try {
      const outcome = await attempt(n);
      if ('done' in outcome) return outcome.done;
      retry = outcome;
    } catch (error) {
      if (policy.signal?.aborted) throw error;
      retry = policy.afterError(error, n);
    }
    if (n < policy.maxAttempts) await waitOut(retry.retryInMs, retry.reason, policy);
  }
  throw policy.exhausted();
}
