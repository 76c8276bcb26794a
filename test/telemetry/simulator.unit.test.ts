import { createProviderSimulator, PROVIDER_DEMO_LOGIN, type ProviderSimulator } from '../../local/simulators/providers';
import { meterAt, simDevice } from '../../local/simulators/providers/generator';
import { startSimulatorServer, type RunningSimulators } from '../../local/simulators/server';

/** The provider simulators speak the providers' protocols: checked with plain HTTP, no adapter. */
const NOW = Math.floor(Date.now() / 60_000) * 60_000;
let sim: ProviderSimulator;
let server: RunningSimulators;
beforeAll(async () => {
  sim = createProviderSimulator({ seed: 5, now: () => NOW, meterStartMinute: null });
  server = await startSimulatorServer([sim], 0);
});
afterAll(() => server.close());

const get = async (path: string, headers: Record<string, string> = {}) => {
  const response = await fetch(`${server.url}/providers${path}`, { headers });
  return { status: response.status, body: (await response.json()) as unknown };
};
const compact = (ms: number) => new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);

describe('the provider simulators', () => {
  it('ThingsBoard-style: login gives a JWT with exp; timeseries per key with string values, newest first', async () => {
    const login = await fetch(`${server.url}/providers/tdata/tdata/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'demo@tdata', password: PROVIDER_DEMO_LOGIN.password }),
    });
    const { token } = (await login.json()) as { token: string };
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number };
    expect(claims.exp * 1000).toBeGreaterThan(Date.now());
    const path = `/tdata/tdata/v1/telemetry/DEVICE/tdata-1/values/timeseries?keys=flow,total,level&startTs=${NOW - 600_000}&endTs=${NOW}&limit=5`;
    const answer = await get(path, { authorization: `Bearer ${token}` });
    const body = answer.body as Record<string, { ts: number; value: string }[]>;
    expect(Object.keys(body).sort()).toEqual(['flow', 'level', 'total']);
    expect(body.flow).toHaveLength(5);
    expect(body.flow![0]!.ts).toBe(NOW);
    expect(typeof body.flow![0]!.value).toBe('string');
    expect((await get(path)).status).toBe(401);
    expect((await get(path.replace('limit=5', 'limit=0'), { authorization: `Bearer ${token}` })).status).toBe(400);
  });

  it('thethings.io-style: the token in the path, limit 1..100, only the last value without limit, error body on 401', async () => {
    const token = sim.devices('thingsio')[0]!.token;
    const last = await get(`/thingsio/v2/things/${token}/resources/level`);
    expect(last.body).toEqual([
      { value: meterAt(5, simDevice('thingsio', 0), NOW / 60_000)!.level, datetime: new Date(NOW).toISOString() },
    ]);
    const page = await get(
      `/thingsio/v2/things/${token}/resources/total?limit=100&startDate=${compact(NOW - 3 * 3_600_000)}&endDate=${compact(NOW)}`,
    );
    expect(page.body).toHaveLength(100);
    expect((await get(`/thingsio/v2/things/${token}/resources/total?limit=101`)).status).toBe(400);
    expect(await get('/thingsio/v2/things/wrong/resources/total')).toEqual({
      status: 401,
      body: { status: 'error', code: 401, message: 'Invalid session token' },
    });
  });

  it('TagoIO: the device token in Authorization, several variables, qty/skip, units; 401 without it', async () => {
    const token = sim.devices('tago')[3]!.token; // wrong-unit device: labels its flow m3/h
    const query = `variable=flow&variable=level&start_date=${new Date(NOW - 600_000).toISOString()}&end_date=${new Date(NOW).toISOString()}`;
    const first = (await get(`/tago/data?${query}&qty=4`, { authorization: token })).body as {
      status: boolean;
      result: { variable: string; unit: string; time: string }[];
    };
    expect(first.status).toBe(true);
    expect(first.result).toHaveLength(4);
    expect(first.result.find((r) => r.variable === 'flow')!.unit).toBe('m3/h');
    const next = (await get(`/tago/data?${query}&qty=4&skip=4`, { authorization: token })).body as typeof first;
    expect(
      next.result[0]!.time < first.result.at(-1)!.time || next.result[0]!.variable !== first.result.at(-1)!.variable,
    ).toBe(true);
    expect((await get(`/tago/data?${query}`)).status).toBe(401);
  });

  it('is deterministic: the same seed serves the same meters; faults are per provider', async () => {
    const again = createProviderSimulator({ seed: 5, now: () => NOW, meterStartMinute: null });
    const device = sim.devices('novus')[2]!;
    expect(again.served(device, NOW - 3_600_000, NOW)).toEqual(sim.served(device, NOW - 3_600_000, NOW));
    sim.setFaults('novus', { down: true });
    try {
      expect((await get(`/novus/v2/things/${device.token}/resources/flow`)).status).toBe(503);
      expect((await get(`/nettra/v2/things/${sim.devices('nettra')[0]!.token}/resources/flow`)).status).toBe(200);
    } finally {
      sim.setFaults('novus', {});
    }
  });
});
