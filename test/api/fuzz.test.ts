import { createTestContext, TEST_KEYS, type TestContext } from '../harness/context';
import { startTestApi, type TestApi } from './api-client';
import { ISOLATED_NAMESPACE } from '../harness/env';
import { casesFor, operationsOf, seededRandom, type FuzzCase, type Key, type Operation } from './fuzz-cases';

/**
 * Hostile requests to every operation of the real app's `/openapi.json` (test/api/fuzz-cases.ts):
 * wrong types, out-of-range values, malformed percent-encodings, bad bodies and encodings,
 * oversized values, missing and viewer keys. No answer may be a 5xx, every error is
 * problem+json, and no action is accepted. The app declares no schedules and every action's
 * case is refused before its handler, so nothing reaches Temporal that another file could see.
 */

const SEED = 20261122;
const MAX_CASES = 10_000;
const DEADLINE_MS = 30_000;
const MIN_CASES = 500;
const MIN_TIME_CASES = 300;
const CONCURRENCY = 8;
const PROBLEM_JSON = /^application\/problem\+json/;

const KEYS: Record<Key, string | undefined> = {
  operator: TEST_KEYS.operator,
  viewer: TEST_KEYS.viewer,
  unknown: 'fuzz-unknown-key-0123456789',
  none: undefined,
};

let ctx: TestContext;
let api: TestApi;
beforeAll(async () => {
  // Its valid requests start real workflows (a poll cycle, a compliance sender's wake) on the real
  // task queues: in their own namespace, no other test file's worker runs them against its database.
  // It runs under the rate limiter, with limits above its own volume (test/api/rate-limit.test.ts
  // tests the limits themselves).
  ctx = await createTestContext({
    TEMPORAL_NAMESPACE: ISOLATED_NAMESPACE,
    API_RATE_LIMIT: '1000000',
    API_RATE_LIMIT_ANONYMOUS: '1000000',
  });
  api = await startTestApi(ctx);
});
afterAll(async () => {
  await api?.close();
  await ctx?.close();
});

interface Failure {
  operation: string;
  label: string;
  url: string;
  status: number;
  problem: string;
}

async function send(fuzz: FuzzCase): Promise<Failure[]> {
  const key = KEYS[fuzz.key];
  const headers = { ...fuzz.headers, ...(key ? { authorization: `Bearer ${key}` } : {}) };
  const response = await fetch(`${api.url}${fuzz.url}`, { method: fuzz.method, headers, body: fuzz.body });
  const text = await response.text();
  const failures: string[] = [];
  const { status } = response;
  if (status >= 500) failures.push('a 5xx');
  if (status >= 400) {
    if (!PROBLEM_JSON.test(response.headers.get('content-type') ?? '')) failures.push('not problem+json');
    const problem = parse(text);
    if (problem?.status !== status || typeof problem.title !== 'string' || typeof problem.detail !== 'string') {
      failures.push('not a problem document');
    }
    if (fuzz.field && !problem?.errors?.some((error) => error.field === fuzz.field)) {
      failures.push(`errors do not name ${fuzz.field}`);
    }
  }
  if (fuzz.status !== undefined && status !== fuzz.status) failures.push(`expected ${fuzz.status}`);
  if (fuzz.method !== 'GET' && status < 400) failures.push('a hostile action was accepted');
  return failures.map((problem) => ({
    operation: fuzz.operation,
    label: fuzz.label,
    url: fuzz.url.slice(0, 120),
    status,
    problem: `${problem}: ${text.slice(0, 200)}`,
  }));
}

function parse(
  text: string,
): { status?: unknown; title?: unknown; detail?: unknown; errors?: { field: string }[] } | undefined {
  try {
    return JSON.parse(text) as ReturnType<typeof parse>;
  } catch {
    return undefined;
  }
}

describe('fuzzing every operation of /openapi.json', () => {
  let operations: Operation[] = [];
  let cases: FuzzCase[] = [];

  beforeAll(async () => {
    const document = await api.get('/openapi.json', null);
    operations = operationsOf(document.json);
    cases = operations.flatMap((operation) =>
      casesFor(operation, { seed: SEED, oversizedBody: 200_000, randomPerField: 6 }),
    );
  });

  it('has cases for every operation, within the bound', () => {
    expect(operations.length).toBeGreaterThan(10);
    for (const operation of operations) {
      const own = cases.filter((fuzz) => fuzz.operation === `${operation.method} ${operation.path}`);
      expect(own.length).toBeGreaterThanOrEqual(operation.protected ? 3 : 1);
    }
    expect(cases.length).toBeLessThanOrEqual(MAX_CASES);
  });

  // Bounded in time, not in speed: each set of cases goes round-robin over the operations, so
  // whatever prefix a busy machine gets through before the deadline covers every operation alike,
  // and the assertions are on the cases that ran. The hostile dates, date-times and cursors have
  // their own run: they are the class of values that reached PostgreSQL and got 500s.
  it.each([
    ['every hostile request', (fuzz: FuzzCase) => fuzz.kind === undefined, MIN_CASES],
    ['every hostile date, date-time, offset and cursor', (fuzz: FuzzCase) => fuzz.kind === 'time', MIN_TIME_CASES],
  ])(
    'answers %s with a 4xx problem (or a read), never a 5xx, and accepts no action',
    async (name, pick, floor) => {
      const ordered = interleaveByOperation(cases.filter(pick));
      const deadline = Date.now() + DEADLINE_MS;
      const failures: Failure[] = [];
      let next = 0;
      let sent = 0;
      const lane = async () => {
        while (next < ordered.length && Date.now() < deadline) {
          const fuzz = ordered[next++]!;
          failures.push(...(await send(fuzz)));
          sent++;
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, lane));
      console.info(`fuzz, ${name}: ${sent} of ${ordered.length} cases ran, ${failures.length} failed`);
      expect(failures.slice(0, 30)).toEqual([]);
      // A floor any machine reaches in the deadline (a 2-core one at load 14 ran 1,660 of the
      // first set), so a run that stalled early is not taken for a pass.
      expect(sent).toBeGreaterThanOrEqual(Math.min(ordered.length, floor));
    },
    DEADLINE_MS + 15_000,
  );
});

/**
 * Every operation's cases in a seeded shuffle, dealt round-robin: every operation's first case, then
 * every operation's second, and so on. A prefix is then a sample of every operation's cases, not
 * every operation's first kinds of case.
 */
function interleaveByOperation(all: FuzzCase[]): FuzzCase[] {
  const random = seededRandom(SEED);
  const byOperation = new Map<string, FuzzCase[]>();
  for (const fuzz of all) byOperation.set(fuzz.operation, [...(byOperation.get(fuzz.operation) ?? []), fuzz]);
  const queues = [...byOperation.values()].map((queue) => shuffle(queue, random));
  const longest = Math.max(0, ...queues.map((queue) => queue.length));
  return Array.from({ length: longest }, (_, i) =>
    queues.flatMap((queue) => (i < queue.length ? [queue[i]!] : [])),
  ).flat();
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
