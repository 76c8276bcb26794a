import { BadCredentialsError, MissingConfigurationError } from '../../lib/errors';
import type { Secret } from '../../lib/secret';
import type { Page } from '../../lib/cv/ingest-walk';
import { httpExchange, retryAfterMs, withRetries } from '../../platform/http-client';

/**
 * The longest `Retry-After` of a `429` the client waits (a longer one is waited this long, then the
 * call is tried again). Ten minutes: a throttling platform is waited out inside the activity, whose
 * heartbeats keep running meanwhile, instead of failing the load.
 */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** While waiting (a `Retry-After`, a backoff), `onWait` is called this often: the activity heartbeats. */
const WAIT_TICK_MS = 1_000;

/**
 * The CV platform client: login, re-login on `token_expired`, `429` honoured
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

  // Each request: bounded by `timeoutMs`, cancelled with the activity.
  const requestOptions = {
    timeoutMs,
    signal: options.signal,
    timeoutError: () => new CvTransientError(`no answer in ${timeoutMs} ms`),
  };

  async function login(): Promise<string> {
    const { status, text } = await httpExchange(
      `${base}/api/auth/login`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: password!.reveal() }),
      },
      requestOptions,
    );
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
    const response = await httpExchange(
      `${base}/api/telemetry?offset=${offset}&limit=${limit}`,
      { headers: { authorization: `Bearer ${current}` } },
      requestOptions,
    );
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

  return {
    async fetchPage(offset, limit) {
      let lastError: unknown;
      return withRetries<Page>(
        async () => {
          const result = await attempt(offset, limit);
          if (!('retryAfterMs' in result)) return { done: result };
          return { retryInMs: Math.min(result.retryAfterMs, maxRetryAfterMs), reason: 'throttled (429)' };
        },
        {
          maxAttempts,
          signal: options.signal,
          onWait: options.onWait,
          tickMs: WAIT_TICK_MS,
          afterError(error, n) {
            if (error instanceof BadCredentialsError) throw error;
            lastError = error;
            return { retryInMs: Math.min(100 * 2 ** n, maxBackoffMs), reason: `retrying: ${(error as Error).message}` };
          },
          exhausted: () =>
            new CvTransientError(`telemetry at offset ${offset} failed ${maxAttempts} times: ${String(lastError)}`),
        },
      );
    },
  };
}
