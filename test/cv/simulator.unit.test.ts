import { createCvSimulator, CV_DEMO_CREDENTIALS, type CvSimulator } from '../../local/simulators/cv';
import { startSimulatorServer, type RunningSimulators } from '../../local/simulators/server';
import { validateEvent } from '../../lib/cv/event';

/** The simulator answers as the CV platform does, and its catalog agrees with the pipeline's validation. */
let sim: CvSimulator;
let server: RunningSimulators;
let base: string;
beforeAll(async () => {
  sim = createCvSimulator({ seed: 1, volume: 500, invalidRate: 0.05, tokenTtlSeconds: 1, endMs: Date.UTC(2026, 0, 1) });
  server = await startSimulatorServer([sim], 0);
  base = `${server.url}/cv`;
});
afterAll(() => server.close());

async function login(password: string = CV_DEMO_CREDENTIALS.password) {
  return fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: CV_DEMO_CREDENTIALS.username, password }),
  });
}
const page = (token: string, query: string) =>
  fetch(`${base}/api/telemetry?${query}`, { headers: { authorization: `Bearer ${token}` } });

describe('the CV simulator', () => {
  it('logs in, refuses wrong credentials, and expires tokens', async () => {
    expect((await login('wrong')).status).toBe(401);
    expect(await (await login('wrong')).json()).toEqual({ error: 'invalid_credentials' });
    const response = await login();
    const body = (await response.json()) as { token: string; expiresIn: number };
    expect(body.expiresIn).toBe(1);
    expect((await page(body.token, 'offset=0&limit=10')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const expired = await page(body.token, 'offset=0&limit=10');
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ error: 'token_expired' });
  });

  it('pages newest first, limits to 1..1000, and serves what its catalog says', async () => {
    const { token } = (await (await login()).json()) as { token: string };
    expect((await page(token, 'offset=0&limit=1001')).status).toBe(400);
    expect((await page(token, 'offset=0&limit=0')).status).toBe(400);
    const items: unknown[] = [];
    for (let offset = 0; ; offset += 200) {
      const body = (await (await page(token, `offset=${offset}&limit=200`)).json()) as {
        total: number;
        items: unknown[];
      };
      expect(body.total).toBe(500);
      items.push(...body.items);
      if (body.items.length < 200) break;
    }
    const ids = items.flatMap((item) => {
      const id = (item as { recordId?: unknown })?.recordId;
      return typeof id === 'number' ? [id] : [];
    });
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const valid = items.flatMap((item) => {
      const result = validateEvent(item, 'America/Santiago');
      return result.ok ? [result.event.recordId] : [];
    });
    const invalid = items.flatMap((item) => (validateEvent(item, 'UTC').ok ? [] : [JSON.stringify(item)]));
    const catalog = sim.catalog();
    expect(valid.sort((a, b) => a - b)).toEqual(catalog.validRecordIds);
    expect(invalid.sort()).toEqual([...catalog.invalidRaws].sort());
    expect(catalog.invalidRaws.length).toBeGreaterThan(10);
    expect(sim.served()).toEqual(catalog);
  });

  it('answers 429 with Retry-After, 5xx and malformed bodies when told to, and grows while paged', async () => {
    const { token } = (await (await login()).json()) as { token: string };
    sim.setFaults({ throttleRate: 1, retryAfterSeconds: 3 });
    const throttled = await page(token, 'offset=0&limit=5');
    expect([throttled.status, throttled.headers.get('retry-after')]).toEqual([429, '3']);
    sim.setFaults({ errorRate: 1 });
    expect((await page(token, 'offset=0&limit=5')).status).toBeGreaterThanOrEqual(500);
    sim.setFaults({ malformedBodyRate: 1 });
    const malformed = await page(token, 'offset=0&limit=5');
    await expect(malformed.json()).rejects.toThrow();
    sim.setFaults({});
    sim.setArrivals({ everyCalls: 1, count: 3 });
    const first = (await (await page(token, 'offset=0&limit=5')).json()) as { total: number };
    const second = (await (await page(token, 'offset=0&limit=5')).json()) as { total: number };
    expect(second.total - first.total).toBe(3);
    sim.setArrivals(undefined);
  });
});
