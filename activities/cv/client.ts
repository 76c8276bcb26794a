import { setTimeout as sleep } from 'node:timers/promises';
import { BadCredentialsError, MissingConfigurationError } from '../../lib/errors';
import type { Secret } from '../../lib/secret';
import type { Page } from '../../lib/cv/ingest-walk';

/**
 * The CV platform client (contracts/cv-api.md): login, re-login on `token_expired`, `429` honoured
 * through `Retry-After`, `5xx` / resets / timeouts / malformed bodies retried with backoff. After
 * `maxAttempts` it throws a retryable error: the activity's retry resumes from its checkpoint.
 */
export interface CvClientOptions {
  baseUrl: string | undefined;
  username: string | undefined;
  password: Secret | undefined;
  /** Per request. @default 30_000 */
  timeoutMs?: number;
  /** Attempts per call before giving up to the activity's retry. @default 8 */
  maxAttempts?: number;
  /** Longest wait between attempts (and cap on Retry-After). @default 30_000 */
  maxBackoffMs?: number;
  /** Called while waiting, so a long Retry-After still heartbeats. */
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
    if (response.status === 429) {
      const seconds = Number(response.headers.get('retry-after'));
      return { retryAfterMs: Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000 };
    }
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

  return {
    async fetchPage(offset, limit) {
      let lastError: unknown;
      for (let n = 1; n <= maxAttempts; n++) {
        let waitMs: number;
        try {
          const result = await attempt(offset, limit);
          if (!('retryAfterMs' in result)) return result;
          waitMs = Math.min(result.retryAfterMs, maxBackoffMs);
          if (waitMs > 0) options.onWait?.('throttled (429)');
        } catch (error) {
          if (error instanceof BadCredentialsError || options.signal?.aborted) throw error;
          lastError = error;
          waitMs = Math.min(100 * 2 ** n, maxBackoffMs);
          options.onWait?.(`retrying: ${(error as Error).message}`);
        }
        if (waitMs > 0) await sleep(waitMs, undefined, { signal: options.signal });
      }
      throw new CvTransientError(`telemetry at offset ${offset} failed ${maxAttempts} times: ${String(lastError)}`);
    },
  };
}
