import { BadCredentialsError } from '../../lib/errors';
import { ProviderTransientError } from '../../activities/telemetry/providers/http';
import { createTagoAdapter } from '../../activities/telemetry/providers/tago';
import { createTheThingsIoAdapter } from '../../activities/telemetry/providers/thethingsio';
import { createThingsBoardAdapter } from '../../activities/telemetry/providers/thingsboard';
import type { FetchRequest, ProviderAdapter } from '../../activities/telemetry/providers/types';
import { maskSecrets, secretValuesOf } from '../../lib/telemetry/mask';
import { NOVUS_SENTINEL, type Provider } from '../../lib/telemetry/providers';
import {
  createProviderSimulator,
  PROVIDER_DEMO_LOGIN,
  providerUsername,
  type ProviderSimulator,
} from '../../local/simulators/providers';
import { startSimulatorServer, type RunningSimulators } from '../../local/simulators/server';

const NOW = Math.floor(Date.now() / 60_000) * 60_000;
let sim: ProviderSimulator;
let server: RunningSimulators;
beforeAll(async () => {
  sim = createProviderSimulator({ seed: 3, now: () => NOW });
  server = await startSimulatorServer([sim], 0);
});
afterAll(() => server.close());

const http = { maxAttempts: 6, maxBackoffMs: 20, timeoutMs: 2_000 };
const base = (provider: Provider) => `${server.url}/providers/${provider}`;
const window = (deviceId: string, hours = 3): FetchRequest => ({
  deviceId,
  since: {},
  from: new Date(NOW - hours * 3_600_000),
  until: new Date(NOW),
  variables: ['flow', 'total', 'level'],
});
const key = (r: { variable: string; measuredAt: string; value: number }) => `${r.variable}@${r.measuredAt}=${r.value}`;
/** What the simulator put on the wire for the window, minus what is not a measurement. */
function expected(provider: Provider, index: number, isSentinel: (value: number) => boolean, hours = 3) {
  const device = sim.devices(provider)[index]!;
  return sim
    .served(device, NOW - hours * 3_600_000, NOW)
    .filter((r) => !isSentinel(r.value))
    .map(key)
    .sort();
}
const credentialsFor = (provider: Provider, index: number) =>
  provider === 'twin' || provider === 'tdata'
    ? { baseUrl: base(provider), username: providerUsername(provider), password: PROVIDER_DEMO_LOGIN.password }
    : { baseUrl: base(provider), token: sim.devices(provider)[index]!.token };

describe('provider adapters against their simulators', () => {
  const cases: [Provider, () => ProviderAdapter, (value: number) => boolean][] = [
    ['twin', () => createThingsBoardAdapter(new Map(), 50), () => false],
    ['tdata', () => createThingsBoardAdapter(new Map(), 50), () => false],
    ['thingsio', () => createTheThingsIoAdapter({ pageSize: 20 }), () => false],
    ['nettra', () => createTheThingsIoAdapter({ pageSize: 20 }), () => false],
    ['novus', () => createTheThingsIoAdapter({ sentinel: NOVUS_SENTINEL, pageSize: 20 }), (v) => v === NOVUS_SENTINEL],
    ['tago', () => createTagoAdapter(70), (v) => v < 0],
  ];
  it.each(cases)(
    '%s: every reading of the window, across pages, without sentinels',
    async (provider, make, isSentinel) => {
      for (const index of [0, 4]) {
        const device = sim.devices(provider)[index]!;
        const result = await make().fetchReadings(window(device.deviceId), credentialsFor(provider, index), http);
        expect(result.readings.map(key).sort()).toEqual(expected(provider, index, isSentinel));
        expect(result.calls).toBeGreaterThan(3);
        for (const reading of result.readings) expect(reading.raw).toBeDefined();
      }
    },
  );

  it('counts the sentinels it drops (Novus -3200, Tago status codes)', async () => {
    const novus = await createTheThingsIoAdapter({ sentinel: NOVUS_SENTINEL }).fetchReadings(
      window('novus-1'),
      credentialsFor('novus', 0),
      http,
    );
    expect(novus.sentinels).toBeGreaterThan(0);
    const tago = await createTagoAdapter().fetchReadings(window('tago-1'), credentialsFor('tago', 0), http);
    expect(tago.sentinels).toBeGreaterThan(0);
    expect(tago.readings.every((r) => r.value >= 0)).toBe(true);
  });

  it("fetches only after each variable's watermark", async () => {
    const since = new Date(NOW - 30 * 60_000);
    const request = { ...window('thingsio-1'), since: { total: since } };
    const result = await createTheThingsIoAdapter().fetchReadings(request, credentialsFor('thingsio', 0), http);
    const totals = result.readings.filter((r) => r.variable === 'total');
    expect(totals).toHaveLength(30);
    expect(totals.every((r) => Date.parse(r.measuredAt) > since.getTime())).toBe(true);
    expect(result.readings.filter((r) => r.variable === 'flow')).toHaveLength(181);
  });

  it('reuses a ThingsBoard token until it expires and logs in again on a 401', async () => {
    const adapter = createThingsBoardAdapter(new Map(), 1000);
    const before = sim.stats.twin.logins;
    await adapter.fetchReadings(window('twin-1', 1), credentialsFor('twin', 0), http);
    await adapter.fetchReadings(window('twin-2', 1), credentialsFor('twin', 1), http);
    expect(sim.stats.twin.logins - before).toBe(1);
    sim.setFaults('twin', { expireTokenEveryCalls: 2 });
    try {
      const result = await adapter.fetchReadings(window('twin-1', 1), credentialsFor('twin', 0), http);
      expect(result.readings.length).toBe(expected('twin', 0, () => false, 1).length);
      expect(sim.stats.twin.logins - before).toBeGreaterThan(1);
    } finally {
      sim.setFaults('twin', {});
    }
  });

  it('waits out 429 Retry-After and retries 5xx and malformed bodies', async () => {
    sim.setFaults('nettra', { throttleRate: 0.3, retryAfterSeconds: 0, errorRate: 0.2, malformedBodyRate: 0.2 });
    try {
      const waits: string[] = [];
      const result = await createTheThingsIoAdapter({ pageSize: 50 }).fetchReadings(
        window('nettra-1'),
        credentialsFor('nettra', 0),
        { ...http, maxAttempts: 12, onWait: (reason) => waits.push(reason) },
      );
      expect(result.readings.map(key).sort()).toEqual(expected('nettra', 0, () => false));
      expect(sim.stats.nettra.throttled).toBeGreaterThan(0);
      expect(sim.stats.nettra.errors).toBeGreaterThan(0);
      expect(sim.stats.nettra.malformed).toBeGreaterThan(0);
      expect(waits.some((w) => w.includes('429'))).toBe(true);
    } finally {
      sim.setFaults('nettra', {});
    }
  });

  it('gives up on a provider that is down with a retryable error', async () => {
    sim.setFaults('tago', { down: true });
    try {
      await expect(
        createTagoAdapter().fetchReadings(window('tago-1'), credentialsFor('tago', 0), { ...http, maxAttempts: 2 }),
      ).rejects.toThrow(ProviderTransientError);
    } finally {
      sim.setFaults('tago', {});
    }
  });

  it('never repeats a token in an error or a wait reason, for every protocol', async () => {
    const texts: string[] = [];
    const collect = { ...http, maxAttempts: 2, onWait: (reason: string) => texts.push(reason) };
    const failure = async (fetching: Promise<unknown>) => {
      const error = await fetching.then(
        () => new Error('did not fail'),
        (e: unknown) => e as Error,
      );
      texts.push(error.message);
      return error;
    };
    // ThingsBoard: the device token is in the path; a JWT is held. Logged in first, then the provider fails.
    const tokens = new Map<string, { token: string; expMs: number }>();
    const thingsBoard = createThingsBoardAdapter(tokens, 1000);
    await thingsBoard.fetchReadings(window('twin-1', 1), credentialsFor('twin', 0), http);
    const unknownDevice = 'device-token-7f3a9c2e51';
    expect(
      (await failure(thingsBoard.fetchReadings(window(unknownDevice, 1), credentialsFor('twin', 0), collect))).message,
    ).toMatch(/404/);
    const secrets = [
      unknownDevice,
      'twin-1',
      PROVIDER_DEMO_LOGIN.password,
      ...[...tokens.values()].map((t) => t.token),
    ];
    for (const provider of ['twin', 'nettra', 'tago'] as const) sim.setFaults(provider, { down: true });
    try {
      await failure(thingsBoard.fetchReadings(window('twin-1', 1), credentialsFor('twin', 0), collect));
      // thethings.io: the thing token is in the path; TagoIO: in a header.
      await failure(createTheThingsIoAdapter().fetchReadings(window('nettra-1'), credentialsFor('nettra', 0), collect));
      await failure(createTagoAdapter().fetchReadings(window('tago-1'), credentialsFor('tago', 0), collect));
      secrets.push(sim.devices('nettra')[0]!.token, sim.devices('tago')[0]!.token);
    } finally {
      for (const provider of ['twin', 'nettra', 'tago'] as const) sim.setFaults(provider, {});
    }
    expect(texts.length).toBeGreaterThanOrEqual(7);
    expect(texts.filter((text) => text.includes('[redacted]')).length).toBeGreaterThanOrEqual(3);
    for (const text of texts)
      for (const secret of secrets) expect([text, text.includes(secret)]).toEqual([text, false]);
  });

  it('masks tokens in paths, bearer headers, JWTs, query strings and known secret values', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZGF0YSJ9.c2lnbmF0dXJl';
    expect(maskSecrets('/v2/things/abc123XYZ/resources/flow answered 503')).toBe(
      '/v2/things/[redacted]/resources/flow answered 503',
    );
    expect(maskSecrets('/tdata/v1/telemetry/DEVICE/tok%2Fen/values/timeseries')).toBe(
      '/tdata/v1/telemetry/DEVICE/[redacted]/values/timeseries',
    );
    expect(maskSecrets(`authorization: Bearer ${jwt}`)).toBe('authorization: Bearer [redacted]');
    expect(maskSecrets(`token ${jwt} expired`)).toBe('token [redacted] expired');
    expect(maskSecrets('GET /data?variable=flow&token=s3cr3t&qty=5')).toBe(
      'GET /data?variable=flow&token=[redacted]&qty=5',
    );
    expect(maskSecrets('device a-very-secret-token refused (a-very-secret-token)', ['a-very-secret-token', 'ab'])).toBe(
      'device [redacted] refused ([redacted])',
    );
    expect(secretValuesOf({ baseUrl: 'http://x', token: 't0k3n', port: 4 })).toEqual(['t0k3n']);
  });

  it('refuses bad credentials as non-retryable, for every protocol', async () => {
    const wrong = { baseUrl: base('twin'), username: providerUsername('twin'), password: 'wrong' };
    await expect(createThingsBoardAdapter(new Map()).fetchReadings(window('twin-1'), wrong, http)).rejects.toThrow(
      BadCredentialsError,
    );
    await expect(
      createTheThingsIoAdapter().fetchReadings(window('novus-1'), { baseUrl: base('novus'), token: 'nope' }, http),
    ).rejects.toThrow(BadCredentialsError);
    await expect(
      createTagoAdapter().fetchReadings(window('tago-1'), { baseUrl: base('tago'), token: 'nope' }, http),
    ).rejects.toThrow(BadCredentialsError);
  });
});
