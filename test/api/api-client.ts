import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { startApi, type RunningApi } from '../../api/server';
import type { ApiDeps } from '../../api/deps';
import { createLogger } from '../../lib/logger';
import { TEST_KEYS, type TestContext } from '../harness/context';

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body when it is JSON; `undefined` otherwise. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface TestApi extends RunningApi {
  /** Everything the API logged, one JSON line each. */
  logs: string[];
  request(
    method: string,
    path: string,
    options?: {
      key?: string | null;
      body?: unknown;
      rawBody?: string | Uint8Array;
      contentType?: string;
      headers?: Record<string, string>;
    },
  ): Promise<ApiResponse>;
  get(path: string, key?: string | null): Promise<ApiResponse>;
  post(path: string, body?: unknown, key?: string | null): Promise<ApiResponse>;
}

/** Starts the real API on a free loopback port, with this context's database and Temporal client. */
export async function startTestApi(ctx: TestContext, overrides: Partial<ApiDeps> = {}): Promise<TestApi> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const deps: ApiDeps = {
    config: ctx.config,
    db: ctx.db,
    client: ctx.client,
    schedules: [],
    logger: createLogger('debug', {}, sink),
    ...overrides,
  };
  const api = await startApi(deps, { host: '127.0.0.1', port: 0 });

  async function request(
    method: string,
    path: string,
    { key = TEST_KEYS.operator, body, rawBody, contentType, headers: extra }: Parameters<TestApi['request']>[2] = {},
  ): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...extra };
    if (key !== null) headers.authorization = `Bearer ${key}`;
    const payload = rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
    if (payload !== undefined) headers['content-type'] = contentType ?? 'application/json';
    const response = await fetch(`${api.url}${path}`, { method, headers, body: payload });
    const text = await response.text();
    const isJson = /json/.test(response.headers.get('content-type') ?? '');
    return { status: response.status, headers: response.headers, text, json: isJson ? JSON.parse(text) : undefined };
  }

  return {
    ...api,
    logs,
    request,
    get: (path, key) => request('GET', path, { key }),
    post: (path, body, key) => request('POST', path, { body, key }),
  };
}

/**
 * Polls `probe` until it returns a value (visibility and schedules are eventually consistent). The
 * bound keeps a failing test from hanging; a loaded machine can take many seconds, so keep it generous.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  label = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}`);
    await sleep(200);
  }
}
