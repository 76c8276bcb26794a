import { MAX_RETRY_AFTER_MS, createCvClient, CvTransientError } from '../../activities/cv/client';
import { Secret } from '../../lib/secret';
import { retryAfterMs } from '../../platform/http-client';
import { createCvSimulator, CV_DEMO_CREDENTIALS } from '../../local/simulators/cv';
import { startSimulatorServer, type RunningSimulators } from '../../local/simulators/server';

/** The CV client's `Retry-After` handling, against the simulator over HTTP. */
const sim = createCvSimulator({ seed: 3, volume: 50, faults: { throttleRate: 1, retryAfterSeconds: 3_600 } });
let server: RunningSimulators;
beforeAll(async () => {
  server = await startSimulatorServer([sim], 0);
});
afterAll(() => server.close());

const client = (options: Partial<Parameters<typeof createCvClient>[0]> = {}) =>
  createCvClient({
    baseUrl: `${server.url}/cv`,
    username: CV_DEMO_CREDENTIALS.username,
    password: new Secret(CV_DEMO_CREDENTIALS.password),
    ...options,
  });

describe('Retry-After', () => {
  it('reads delay-seconds and HTTP dates; a missing or unreadable one waits a second', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(new Date(now + 90_000).toUTCString(), now)).toBe(90_000);
    expect(retryAfterMs(new Date(now - 5_000).toUTCString(), now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBe(1_000);
    expect(retryAfterMs(null, now)).toBe(1_000);
  });

  it('is honoured up to a documented maximum of ten minutes', () => {
    expect(MAX_RETRY_AFTER_MS).toBe(10 * 60_000);
  });

  it('waits a long Retry-After up to the cap, calling onWait every second meanwhile', async () => {
    const waits: string[] = [];
    const started = Date.now();
    const failure = await client({ maxRetryAfterMs: 2_500, maxAttempts: 2, onWait: (reason) => waits.push(reason) })
      .fetchPage(0, 10)
      .catch((error: unknown) => error);
    const elapsed = Date.now() - started;
    expect(failure).toBeInstanceOf(CvTransientError);
    // One wait between the two attempts: the cap (2.5 s), not the hour the server asked for (the upper
    // bound only has to tell the two apart, on any machine).
    expect(elapsed).toBeGreaterThanOrEqual(2_400);
    expect(elapsed).toBeLessThan(60_000);
    expect(waits.length).toBeGreaterThanOrEqual(3);
    expect(new Set(waits)).toEqual(new Set(['throttled (429)']));
  });

  it('is cancelled at once with its signal', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled by the test')), 300);
    const started = Date.now();
    const failure = await client({ signal: controller.signal })
      .fetchPage(0, 10)
      .catch((error: unknown) => error);
    // Not the hour the server asked for (nor the 10-minute cap): a bound that tells them apart on any machine.
    expect(Date.now() - started).toBeLessThan(60_000);
    expect((failure as Error).name).toBe('AbortError');
  });
});
