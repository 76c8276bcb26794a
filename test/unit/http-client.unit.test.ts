import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RejectedPayloadError } from '../../lib/errors';
import {
  classifyStatus,
  httpExchange,
  retryAfterMs,
  statusError,
  withRetries,
  type Retry,
} from '../../platform/http-client';

/** The platform HTTP client against a real HTTP server on 127.0.0.1 (no other server needed). */
type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler = (_req, res) => res.end();
let server: Server;
let base: string;
/** When each request reached the server (ms since the epoch), in order. */
let arrivals: number[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    arrivals.push(Date.now());
    handler(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
beforeEach(() => {
  arrivals = [];
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

/** Never answers: the request hangs until the client gives up. */
const hang: Handler = () => undefined;
const answer =
  (status: number, headers: Record<string, string> = {}, body = ''): Handler =>
  (_req, res) => {
    res.writeHead(status, headers).end(body);
  };
/** Answers the scripted handlers in turn, then the last one again. */
const inTurn = (...handlers: Handler[]): Handler => {
  let n = 0;
  return (req, res) => handlers[Math.min(n++, handlers.length - 1)]!(req, res);
};

describe('httpExchange', () => {
  it('answers any status with its body and headers, without throwing', async () => {
    handler = answer(503, { 'x-reason': 'maintenance' }, 'down for a while');
    const result = await httpExchange(`${base}/any`, {}, { timeoutMs: 5_000 });
    expect([result.status, result.ok, result.text, result.headers.get('x-reason')]).toEqual([
      503,
      false,
      'down for a while',
      'maintenance',
    ]);
  });

  it('gives up after timeoutMs with a TimeoutError, as AbortSignal.timeout does', async () => {
    handler = hang;
    const failure = await httpExchange(`${base}/slow`, {}, { timeoutMs: 200 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DOMException);
    expect([(failure as Error).name, (failure as Error).message]).toEqual([
      'TimeoutError',
      'The operation was aborted due to timeout',
    ]);
  });

  it('gives up after timeoutMs with the caller’s own error when it names one', async () => {
    handler = hang;
    class NoAnswerError extends Error {}
    const failure = await httpExchange(
      `${base}/slow`,
      {},
      { timeoutMs: 200, timeoutError: () => new NoAnswerError('no answer in 200 ms') },
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(NoAnswerError);
    expect((failure as Error).message).toBe('no answer in 200 ms');
  });

  it('is aborted with the signal’s reason while the server is still thinking', async () => {
    handler = hang;
    const controller = new AbortController();
    const request = httpExchange(`${base}/slow`, {}, { timeoutMs: 60_000, signal: controller.signal });
    // Abort once the request is on the server, so it is the open request that is aborted.
    while (arrivals.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort(new Error('activity cancelled'));
    await expect(request).rejects.toThrow('activity cancelled');
  });

  it('does not send at all when the signal was aborted before', async () => {
    handler = answer(200);
    const controller = new AbortController();
    controller.abort(new Error('cancelled before'));
    await expect(httpExchange(`${base}/any`, {}, { timeoutMs: 5_000, signal: controller.signal })).rejects.toThrow(
      'cancelled before',
    );
    expect(arrivals).toHaveLength(0);
  });
});

describe('non-2xx mapping', () => {
  it.each([
    [200, 'ok'],
    [204, 'ok'],
    [304, 'failed'],
    [400, 'refused'],
    [401, 'refused'],
    [404, 'refused'],
    [429, 'throttled'],
    [500, 'failed'],
    [503, 'failed'],
  ])('answered %i over HTTP is %s', async (status, expected) => {
    handler = answer(status);
    const { status: answered } = await httpExchange(`${base}/status`, {}, { timeoutMs: 5_000 });
    expect(classifyStatus(answered)).toBe(expected);
  });

  it('makes a refusal a RejectedPayloadError, the rest the caller’s transient error, a 2xx nothing', () => {
    class Transient extends Error {}
    expect(statusError(204, 'no content')).toBeUndefined();
    expect(statusError(422, 'the webhook answered 422')).toEqual(new RejectedPayloadError('the webhook answered 422'));
    const throttled = statusError(429, 'the webhook answered 429');
    expect([throttled instanceof RejectedPayloadError, throttled?.message]).toEqual([
      false,
      'the webhook answered 429',
    ]);
    expect(statusError(502, 'answered 502', (message) => new Transient(message))).toBeInstanceOf(Transient);
  });
});

describe('Retry-After', () => {
  it('reads delay-seconds and HTTP dates; missing, unreadable or past, it waits a second or nothing', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3_000);
    expect(retryAfterMs(' 3 ', now)).toBe(3_000);
    expect(retryAfterMs(new Date(now + 90_000).toUTCString(), now)).toBe(90_000);
    expect(retryAfterMs(new Date(now - 5_000).toUTCString(), now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBe(1_000);
    expect(retryAfterMs(null, now)).toBe(1_000);
    expect(retryAfterMs('', now)).toBe(1_000);
  });

  /** Retries a 429 as its Retry-After says, then returns the 200's body; the waits it computed. */
  async function throttledThenServed(retryAfter: () => string) {
    handler = inTurn(
      (_req, res) => res.writeHead(429, { 'retry-after': retryAfter() }).end(),
      answer(200, {}, 'served'),
    );
    const waits: Retry[] = [];
    const reasons: string[] = [];
    const body = await withRetries<string>(
      async () => {
        const response = await httpExchange(`${base}/throttled`, {}, { timeoutMs: 5_000 });
        if (classifyStatus(response.status) === 'ok') return { done: response.text };
        const retry = { retryInMs: retryAfterMs(response.headers.get('retry-after')), reason: 'throttled (429)' };
        waits.push(retry);
        return retry;
      },
      {
        maxAttempts: 3,
        onWait: (reason) => reasons.push(reason),
        afterError: (error) => {
          throw error;
        },
        exhausted: () => new Error('still throttled'),
      },
    );
    return { body, waits, reasons };
  }

  it('waits out a Retry-After in seconds before trying again', async () => {
    const { body, waits, reasons } = await throttledThenServed(() => '1');
    expect(body).toBe('served');
    expect(waits).toEqual([{ retryInMs: 1_000, reason: 'throttled (429)' }]);
    expect(reasons).toEqual(['throttled (429)']);
    // The second request came no sooner than the server asked (a lower bound only: never "fast enough").
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(1_000 - 20);
  });

  it('waits out a Retry-After given as an HTTP date before trying again', async () => {
    // Five seconds ahead, at the date's one-second resolution: a wait of up to five seconds, still
    // positive however slowly a busy machine carries the answer from the server to the parse.
    const { body, waits } = await throttledThenServed(() => new Date(Date.now() + 5_000).toUTCString());
    expect(body).toBe('served');
    expect(waits).toHaveLength(1);
    expect(waits[0]!.retryInMs).toBeGreaterThan(0);
    expect(waits[0]!.retryInMs).toBeLessThanOrEqual(5_000);
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(waits[0]!.retryInMs - 20);
  });
});

describe('withRetries', () => {
  const policy = {
    afterError: (_error: unknown, attempt: number): Retry => ({
      retryInMs: 10 * attempt,
      reason: `backoff ${attempt}`,
    }),
    exhausted: () => new Error('gave up'),
  };

  it('retries a 5xx until the attempts run out, with no wait after the last', async () => {
    handler = answer(503);
    const reasons: string[] = [];
    const failure = await withRetries(
      async () => {
        const { status } = await httpExchange(`${base}/down`, {}, { timeoutMs: 5_000 });
        throw statusError(status, `answered ${status}`);
      },
      { ...policy, maxAttempts: 3, onWait: (reason) => reasons.push(reason) },
    ).catch((error: unknown) => error);
    expect((failure as Error).message).toBe('gave up');
    expect(arrivals).toHaveLength(3);
    expect(reasons).toEqual(['backoff 1', 'backoff 2']);
  });

  it('throws at once what afterError refuses to retry', async () => {
    handler = answer(400);
    const failure = await withRetries(
      async () => {
        const { status } = await httpExchange(`${base}/bad`, {}, { timeoutMs: 5_000 });
        throw statusError(status, `answered ${status}`);
      },
      {
        ...policy,
        maxAttempts: 5,
        afterError: (error) => {
          if (error instanceof RejectedPayloadError) throw error;
          return { retryInMs: 0, reason: 'again' };
        },
      },
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RejectedPayloadError);
    expect(arrivals).toHaveLength(1);
  });

  it('is cancelled at once during a long wait, calling onWait every tick meanwhile', async () => {
    handler = answer(429, { 'retry-after': '3600' });
    const controller = new AbortController();
    const ticks: string[] = [];
    const result = withRetries(
      async () => {
        const response = await httpExchange(`${base}/throttled`, {}, { timeoutMs: 5_000, signal: controller.signal });
        return { retryInMs: retryAfterMs(response.headers.get('retry-after')), reason: 'throttled (429)' };
      },
      {
        ...policy,
        maxAttempts: 2,
        signal: controller.signal,
        tickMs: 50,
        onWait: (reason) => {
          ticks.push(reason);
          if (ticks.length === 3) controller.abort(new Error('activity cancelled'));
        },
      },
    );
    await expect(result).rejects.toMatchObject({ name: 'AbortError' });
    expect(ticks).toEqual(['throttled (429)', 'throttled (429)', 'throttled (429)']);
    expect(arrivals).toHaveLength(1);
  });
});
