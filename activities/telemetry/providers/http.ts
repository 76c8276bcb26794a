import { InvalidInputError, RejectedPayloadError } from '../../../lib/errors';
import { maskSecrets } from '../../../lib/telemetry/mask';
import { classifyStatus, httpExchange, withRetries } from '../../../platform/http-client';

/**
 * The HTTP exchange every provider adapter shares: a timeout per request, `429` honoured through
 * `Retry-After`, `5xx`, resets, timeouts and malformed bodies retried with backoff. `401`/`403`
 * are handed back to the adapter (it may refresh a token, or refuse the credentials); other
 * `4xx` cannot be fixed by retrying.
 */
export interface HttpOptions {
  /** Per request. @default 15_000 */
  timeoutMs?: number;
  /** Attempts per call before giving up (the next cycle resumes from the watermark). @default 4 */
  maxAttempts?: number;
  /** Longest wait between attempts, and cap on Retry-After. @default 10_000 */
  maxBackoffMs?: number;
  /** Called while waiting, so the activity heartbeats through a long Retry-After. */
  onWait?: (reason: string) => void;
  signal?: AbortSignal;
}

export class ProviderTransientError extends Error {
  override readonly name = 'ProviderTransientError';
}

export type JsonAnswer = { status: 'ok'; body: unknown } | { status: 'unauthorized'; body: unknown };

export async function requestJson(url: string, init: RequestInit, options: HttpOptions = {}): Promise<JsonAnswer> {
  const maxAttempts = options.maxAttempts ?? 4;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 15_000;
  // The path may carry a device or thing token: masked, like anything an error repeats from the exchange.
  const where = maskSecrets(new URL(url).pathname);
  let lastError = '';
  const backoff = (attempt: number) => Math.min(200 * 2 ** attempt, maxBackoffMs);
  const retry = (waitMs: number, error: string) => {
    lastError = error;
    return { retryInMs: waitMs, reason: `${where}: ${error}; retrying` };
  };
  return withRetries<JsonAnswer>(
    async (attempt) => {
      const response = await httpExchange(url, init, {
        timeoutMs,
        signal: options.signal,
        timeoutError: () => new ProviderTransientError(`no answer in ${timeoutMs} ms`),
      });
      if (response.status === 401 || response.status === 403)
        return { done: { status: 'unauthorized', body: parse(response.text) } };
      const statusClass = classifyStatus(response.status);
      if (statusClass === 'throttled')
        return retry(Math.min(secondsOf(response.headers.get('retry-after')), maxBackoffMs), 'throttled (429)');
      if (response.status === 404) throw new InvalidInputError(`${where} answered 404: unknown device`);
      if (statusClass === 'refused') throw new RejectedPayloadError(`${where} answered ${response.status}`);
      if (statusClass === 'failed') return retry(backoff(attempt), `answered ${response.status}`);
      const body = parse(response.text);
      if (body !== undefined) return { done: { status: 'ok', body } };
      return retry(backoff(attempt), 'answered malformed JSON');
    },
    {
      maxAttempts,
      signal: options.signal,
      onWait: options.onWait,
      afterError(error, attempt) {
        if (error instanceof InvalidInputError || error instanceof RejectedPayloadError) throw error;
        return retry(backoff(attempt), maskSecrets((error as Error).message, [url]));
      },
      exhausted: () => new ProviderTransientError(`${where} failed ${maxAttempts} times: ${lastError}`),
    },
  );
}

/**
 * The providers' `Retry-After`, read as it always was: a number of seconds (a missing header is no
 * wait); an HTTP date or anything else, one second.
 */
function secondsOf(header: string | null): number {
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
