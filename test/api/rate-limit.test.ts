import { setTimeout as sleep } from 'node:timers/promises';
import { createTestContext, type TestContext } from '../harness/context';
import { startTestApi, type ApiResponse, type TestApi } from './api-client';

/**
 * The rate limits (API_RATE_LIMIT per key, API_RATE_LIMIT_ANONYMOUS per address without a valid
 * key) over HTTP: a burst past the limit is a 429 problem with Retry-After and the RateLimit
 * headers, other clients are not affected, and service resumes once Retry-After has passed.
 * Nothing depends on how fast the requests go: a burst that straddles a window's end simply goes
 * on into the next window, and the assertions read the countdown the RateLimit header gives.
 */

const PER_KEY = 5;
const PER_ADDRESS = 3;
/** A key per test, so each starts with its key's whole budget. */
const KEYS = {
  burst: 'rate-burst-viewer-key-0123',
  other: 'rate-other-viewer-key-0123',
  action: 'rate-action-viewer-key-012',
  docs: 'rate-docs-viewer-key-01234',
};

let ctx: TestContext;
let api: TestApi;
beforeAll(async () => {
  ctx = await createTestContext({
    API_RATE_LIMIT: String(PER_KEY),
    API_RATE_LIMIT_ANONYMOUS: String(PER_ADDRESS),
    API_RATE_LIMIT_WINDOW: '3s',
    API_KEYS: Object.entries(KEYS)
      .map(([name, key]) => `${name}:viewer:${key}`)
      .join(','),
  });
  api = await startTestApi(ctx);
});
afterAll(async () => {
  await api?.close();
  await ctx?.close();
});

/** Sends until an answer is a 429 (bounded), returning every answer, the 429 last. */
async function untilRefused(send: (i: number) => Promise<ApiResponse>): Promise<ApiResponse[]> {
  const answers: ApiResponse[] = [];
  for (let i = 0; i < 200 && answers.at(-1)?.status !== 429; i++) answers.push(await send(i));
  return answers;
}

const remaining = (answer: ApiResponse) => Number(/; r=(\d+);/.exec(answer.headers.get('ratelimit') ?? '')?.[1]);

/** The 429 ends the burst, and the `limit` answers before it counted the window's budget down to 0. */
function expectRefusedAfter(answers: ApiResponse[], limit: number): ApiResponse {
  const refused = answers.at(-1)!;
  expect(refused.status).toBe(429);
  expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(refused.json).toMatchObject({ status: 429, title: 'Too Many Requests' });
  expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(remaining(refused)).toBe(0);
  const counted = answers.slice(-1 - limit, -1);
  expect(counted.map(remaining)).toEqual(Array.from({ length: limit }, (_, i) => limit - 1 - i));
  return refused;
}

/** Waits as long as the 429 said to: no clock is asserted. */
async function waitOut(refused: ApiResponse): Promise<void> {
  await sleep(Number(refused.headers.get('retry-after')) * 1000 + 100);
}

describe('rate limits', () => {
  it('answers a burst past a key’s limit 429, leaves other keys alone, and serves it again after Retry-After', async () => {
    const answers = await untilRefused(() => api.get('/api/v1/schedules', KEYS.burst));
    const refused = expectRefusedAfter(answers, PER_KEY);
    expect(answers.slice(0, -1).every((answer) => answer.status === 200)).toBe(true);
    expect(answers[0]!.headers.get('ratelimit-policy')).toMatch(new RegExp(`^"per-key"; q=${PER_KEY}; w=3;`));
    expect(refused.json.detail).toContain('this API key');

    // Another key has its own budget.
    expect((await api.get('/api/v1/schedules', KEYS.other)).status).toBe(200);

    await waitOut(refused);
    expect((await api.get('/api/v1/schedules', KEYS.burst)).status).toBe(200);
  });

  it('refuses an action over the limit before its role or body is looked at', async () => {
    // A viewer's cancel is a 403 until the key's budget is spent, then a 429.
    const answers = await untilRefused(() => api.post('/api/v1/runs/any/cancel', { x: 1 }, KEYS.action));
    expectRefusedAfter(answers, PER_KEY);
    expect(answers.slice(0, -1).every((answer) => answer.status === 403)).toBe(true);
  });

  it('limits requests without a valid key per address, unknown keys included, one budget for both', async () => {
    const answers = await untilRefused((i) =>
      i % 2 === 0 ? api.get('/openapi.json', null) : api.get('/api/v1/schedules', 'not-a-key-not-a-key-not-a'),
    );
    const refused = expectRefusedAfter(answers, PER_ADDRESS);
    expect(answers.slice(0, -1).map((answer) => answer.status)).toEqual(
      answers.slice(0, -1).map((_, i) => (i % 2 === 0 ? 200 : 401)),
    );
    expect(refused.json.detail).toContain('without an API key');
    // A valid key from the same address has its own budget.
    expect((await api.get('/openapi.json', KEYS.other)).status).toBe(200);

    await waitOut(refused);
    expect((await api.get('/openapi.json', null)).status).toBe(200);
  });

  it('documents the 429 on every operation', async () => {
    const document = (await api.get('/openapi.json', KEYS.docs)).json as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods));
    expect(operations.length).toBeGreaterThan(10);
    for (const operation of operations) expect(operation.responses).toHaveProperty('429');
  });
});
