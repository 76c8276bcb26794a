import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidInputError, RejectedPayloadError } from '../../../lib/errors';
import { maskSecrets } from '../../../lib/telemetry/mask';

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
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let waitMs = Math.min(200 * 2 ** attempt, maxBackoffMs);
    const controller = new AbortController();
    const abort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', abort, { once: true });
    const timer = setTimeout(
      () => controller.abort(new ProviderTransientError(`no answer in ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      const response = await fetch(url, { ...init, signal: controller.signal });
      const text = await response.text();
      if (response.status === 401 || response.status === 403) return { status: 'unauthorized', body: parse(text) };
      if (response.status === 429) {
        const seconds = Number(response.headers.get('retry-after'));
        waitMs = Math.min(Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000, maxBackoffMs);
        lastError = 'throttled (429)';
      } else if (response.status === 404) {
        throw new InvalidInputError(`${where} answered 404: unknown device`);
      } else if (response.status >= 400 && response.status < 500) {
        throw new RejectedPayloadError(`${where} answered ${response.status}`);
      } else if (!response.ok) {
        lastError = `answered ${response.status}`;
      } else {
        const body = parse(text);
        if (body !== undefined) return { status: 'ok', body };
        lastError = 'answered malformed JSON';
      }
    } catch (error) {
      if (error instanceof InvalidInputError || error instanceof RejectedPayloadError) throw error;
      if (options.signal?.aborted) throw error;
      lastError = maskSecrets((error as Error).message, [url]);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
    }
    if (attempt < maxAttempts) {
      options.onWait?.(`${where}: ${lastError}; retrying`);
      await sleep(waitMs, undefined, { signal: options.signal });
    }
  }
  throw new ProviderTransientError(`${where} failed ${maxAttempts} times: ${lastError}`);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
