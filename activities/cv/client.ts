import { setTimeout as sleep } from 'node:timers/promises';
import { BadCredentialsError, MissingConfigurationError } from '../../lib/errors';
import type { Secret } from '../../lib/secret';
import type { Page } from '../../lib/cv/ingest-walk';

/**
 * The longest `Retry-After` of a `429` the client waits (a longer one is waited this long, then the
 * call is tried again). Ten minutes: a throttling platform is waited out inside the activity, whose
 * heartbeats keep running meanwhile, instead of failing the load.
 */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** While waiting (a `Retry-After`, a backoff), `onWait` is called this often: the activity heartbeats. */
const WAIT_TICK_MS = 1_000;

/**
 * The CV platform client (contracts/cv-api.md): login, re-login on `token_expired`, `429` honoured
 * through `Retry-After` (up to `maxRetryAfterMs`), `5xx` / resets / timeouts / malformed bodies
 * retried with backoff. Every wait is cancelled with `signal`. After `maxAttempts` it throws a
 * retryable error: the activity's retry resumes from its checkpoint.
 */
export interface CvClientOptions {
  baseUrl: string | undefined;
  username: string | undefined;
  password: Secret | undefined;
  /** Per request. @default 30_000 */
  timeoutMs?: number;
  /** Attempts per call before giving up to the activity's retry. @default 8 */
  maxAttempts?: number;
  /** Longest backoff between failed attempts. @default 30_000 */
  maxBackoffMs?: number;
  /** Longest `Retry-After` honoured. @default MAX_RETRY_AFTER_MS (10 minutes) */
  maxRetryAfterMs?: number;
  /** Called every second while waiting, so a long Retry-After still heartbeats. */
  onWait?: (reason: string) => void;
  signal?: AbortSignal;
}

export class CvTransientError extends Error {
  override readonly name = 'CvTransientError';
}

export interface CvClient {
  fetchPage(offset: number, limit: number): Promise<Page>;
}

export function createCvClient(options: CvClientOptions): CvClient {
  const { baseUrl, username, password } = options;
  if (!baseUrl || !username || !password)
    throw new MissingConfigurationError('CV_BASE_URL, CV_USERNAME and CV_PASSWORD must be set');
  const base = baseUrl.replace(/\/$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxAttempts = options.maxAttempts ?? 8;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? MAX_RETRY_AFTER_MS;
  let token: string | undefined;

  /**
   * A signal for one request: aborted by the activity's cancellation or after `timeoutMs`. Built by
   * hand and released after the request (AbortSignal.any/timeout keep every request's signal and
   * timer alive under a long-lived parent, which grows memory over a million-event load).
   */
  async function withSignal<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const abort = () =>
      controller.abort(options.signal?.reason ?? new CvTransientError(`no answer in ${timeoutMs} ms`));
    const timer = setTimeout(abort, timeoutMs);
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
      return await fn(controller.signal);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
    }
  }

  async function login(): Promise<string> {
    const { status, text } = await withSignal(async (signal) => {
      const response = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: password!.reveal() }),
        signal,
      });
      return { status: response.status, text: await response.text() };
    });
    if (status === 401) throw new BadCredentialsError('the CV platform refused the credentials (CV_USERNAME)');
    if (status < 200 || status > 299) throw new CvTransientError(`login answered ${status}`);
    let body: { token?: unknown };
    try {
      body = JSON.parse(text) as { token?: unknown };
    } catch {
      throw new CvTransientError('login answered malformed JSON');
    }
    if (typeof body.token !== 'string') throw new CvTransientError('login answered without a token');
    return body.token;
  }

  async function attempt(offset: number, limit: number): Promise<Page | { retryAfterMs: number }> {
    token ??= await login();
    const current = token;
    const response = await withSignal(async (signal) => {
      const answer = await fetch(`${base}/api/telemetry?offset=${offset}&limit=${limit}`, {
        headers: { authorization: `Bearer ${current}` },
        signal,
      });
      return { status: answer.status, ok: answer.ok, headers: answer.headers, text: await answer.text() };
    });
    const text = response.text;
    if (response.status === 401) {
      // Expired (or otherwise refused) token: log in again and repeat the same call.
      token = undefined;
      return { retryAfterMs: 0 };
    }
    if (response.status === 429) return { retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
    if (!response.ok) throw new CvTransientError(`telemetry answered ${response.status}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new CvTransientError(`telemetry answered malformed JSON at offset ${offset}`);
    }
    const page = body as { total?: unknown; items?: unknown };
    if (typeof page.total !== 'number' || !Array.isArray(page.items))
      throw new CvTransientError(`telemetry page at offset ${offset} has no total or items`);
    return { offset, total: page.total, items: page.items };
  }

  /** Sleeps `ms`, calling `onWait` every tick; cancelled at once with the activity. */
  async function wait(ms: number, reason: string): Promise<void> {
    const until = Date.now() + ms;
    for (let left = ms; left > 0; left = until - Date.now()) {
      options.onWait?.(reason);
      await sleep(Math.min(left, WAIT_TICK_MS), undefined, { signal: options.signal });
    }
  }

  return {
    async fetchPage(offset, limit) {
      let lastError: unknown;
      for (let n = 1; n <= maxAttempts; n++) {
        let waitMs: number;
        let reason: string;
        try {
          const result = await attempt(offset, limit);
          if (!('retryAfterMs' in result)) return result;
          waitMs = Math.min(result.retryAfterMs, maxRetryAfterMs);
          reason = 'throttled (429)';
        } catch (error) {
          if (error instanceof BadCredentialsError || options.signal?.aborted) throw error;
          lastError = error;
          waitMs = Math.min(100 * 2 ** n, maxBackoffMs);
          reason = `retrying: ${(error as Error).message}`;
        }
        if (n < maxAttempts) await wait(waitMs, reason);
      }
      throw new CvTransientError(`telemetry at offset ${offset} failed ${maxAttempts} times: ${String(lastError)}`);
    },
  };
}

/**
 * A `Retry-After` (RFC 9110: delay-seconds or an HTTP date) in milliseconds; missing or unreadable,
 * one second.
 */
export function retryAfterMs(value: string | null, now = Date.now()): number {
  if (value === null || value.trim() === '') return 1_000;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1_000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? 1_000 : Math.max(0, at - now);
}
