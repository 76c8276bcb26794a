import { telemetryPollWorkflowId } from '../../api/telemetry/routes';
import { TEST_KEYS } from '../harness/context';
import { startTestApi, type TestApi } from '../api/api-client';
import { createTelemetryTestContext, type TelemetryTestContext } from './harness';

let ctx: TelemetryTestContext;
let api: TestApi;
beforeAll(async () => {
  ctx = await createTelemetryTestContext();
  api = await startTestApi(ctx);
}, 120_000);
afterAll(async () => {
  await api?.close();
  await ctx?.close();
});

const NEW_POINT = {
  code: 'WELL-NEW-1',
  name: 'A new well',
  type: 'WELL',
  latitude: -33.4489,
  longitude: -70.6693,
  altitude: 520.5,
  provider: 'novus',
  deviceId: 'novus-99',
  credentialsRef: 'novus-device-99',
  frequency: 5,
  template: 'well-default',
  overrides: { variables: { level: { alertThreshold: 80 } }, installationDepth: 120 },
};

describe('the telemetry API', () => {
  it('creates, reads, updates and deactivates a point, with its effective configuration', async () => {
    const created = await api.post('/api/v1/telemetry/points', NEW_POINT);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ code: 'WELL-NEW-1', status: 'ACTIVE', frequency: 5, latitude: -33.4489 });
    expect((await api.post('/api/v1/telemetry/points', NEW_POINT)).status).toBe(409);
    expect((await api.post('/api/v1/telemetry/points', { ...NEW_POINT, code: 'WELL-NEW-2' })).status).toBe(409);

    const detail = await api.get('/api/v1/telemetry/points/WELL-NEW-1', TEST_KEYS.viewer);
    expect(detail.status).toBe(200);
    expect(detail.json.effectiveConfig.variables.level).toMatchObject({
      alertThreshold: 80,
      resetThreshold: 95,
      max: 100,
    });
    expect(detail.json.effectiveConfig.installationDepth).toBe(120);
    expect(detail.json.configVersion).toMatch(/^v-/);

    const changed = await api.request('PATCH', '/api/v1/telemetry/points/WELL-NEW-1', {
      body: { overrides: { installationDepth: 110 }, status: 'MAINTENANCE' },
    });
    expect(changed.status).toBe(200);
    const after = await api.get('/api/v1/telemetry/points/WELL-NEW-1', TEST_KEYS.viewer);
    expect(after.json.status).toBe('MAINTENANCE');
    expect(after.json.configVersion).not.toBe(detail.json.configVersion);

    const removed = await api.request('DELETE', '/api/v1/telemetry/points/WELL-NEW-1');
    expect(removed.json.status).toBe('INACTIVE');
    expect((await api.get('/api/v1/telemetry/points/NOPE-1', TEST_KEYS.viewer)).status).toBe(404);
  });

  it('validates codes, coordinates, enums and configuration, and refuses secrets in place of references', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...NEW_POINT, code: 'bad code!' }, 'body.code'],
      [{ ...NEW_POINT, latitude: 91 }, 'body.latitude'],
      [{ ...NEW_POINT, longitude: -180.5 }, 'body.longitude'],
      [{ ...NEW_POINT, latitude: -33.123456789 }, 'body.latitude'],
      [{ ...NEW_POINT, type: 'OCEAN' }, 'body.type'],
      [{ ...NEW_POINT, provider: 'acme' }, 'body.provider'],
      [{ ...NEW_POINT, frequency: 2 }, 'body.frequency'],
      [{ ...NEW_POINT, credentialsRef: '{"password":"x"}' }, 'body.credentialsRef'],
      [{ ...NEW_POINT, overrides: { maxM3PerHour: -1 } }, 'body.overrides.maxM3PerHour'],
      [{ ...NEW_POINT, overrides: { variables: { level: { nope: 1 } } } }, 'body.overrides.variables.level.nope'],
      [{ ...NEW_POINT, template: 'missing' }, 'body.template'],
    ];
    for (const [body, field] of cases) {
      const answer = await api.post('/api/v1/telemetry/points', {
        ...body,
        code: body.code === NEW_POINT.code ? 'WELL-X' : body.code,
      });
      expect({ field, status: answer.status }).toEqual({ field, status: 400 });
      expect(answer.headers.get('content-type')).toMatch(/problem\+json/);
      // The problem names the offending field (an unknown nested key by its own name).
      expect(JSON.stringify(answer.json.errors)).toContain(field.split('.').at(-1));
    }
  });

  it('needs a key, and an operator key for actions', async () => {
    expect((await api.get('/points/active', null)).status).toBe(401);
    expect((await api.post('/api/v1/telemetry/points', NEW_POINT, TEST_KEYS.viewer)).status).toBe(403);
    expect((await api.post('/api/v1/telemetry/poll/1', undefined, TEST_KEYS.viewer)).status).toBe(403);
    expect((await api.post('/api/v1/telemetry/poll/2')).status).toBe(400);
  });

  it('lists active points by frequency (seed path), polls, then serves measurements, alerts and stats', async () => {
    const active = await api.get('/points/active?frequency=1&provider=tago', TEST_KEYS.viewer);
    expect(active.status).toBe(200);
    expect(active.json).toMatchObject({ total: 6, filters: { frequency: '1', provider: 'tago' } });
    expect(active.json.points.map((p: { id: string }) => p.id)).toContain('TAGO-1');

    await ctx.withWorkers([{ taskQueue: 'telemetry', activities: ctx.activitiesByQueue.telemetry }], async () => {
      const accepted = await api.post('/api/v1/telemetry/poll/1');
      expect(accepted.status).toBe(202);
      expect(accepted.json.workflowId).toBe(telemetryPollWorkflowId(1));
      const result = await ctx.client.workflow.getHandle(accepted.json.workflowId, accepted.json.runId).result();
      expect(result.failed).toEqual([]);
    });

    const page = await api.get(
      '/api/v1/telemetry/points/TWIN-1/measurements?variable=total&limit=20',
      TEST_KEYS.viewer,
    );
    expect(page.status).toBe(200);
    expect(page.json.items).toHaveLength(20);
    const next = await api.get(
      `/api/v1/telemetry/points/TWIN-1/measurements?variable=total&limit=20&after=${encodeURIComponent(page.json.next)}`,
      TEST_KEYS.viewer,
    );
    expect(Date.parse(next.json.items[0].measuredAt)).toBeGreaterThan(Date.parse(page.json.items.at(-1).measuredAt));

    const alerts = await api.get('/api/v1/telemetry/alerts?status=OPEN', TEST_KEYS.viewer);
    expect(alerts.status).toBe(200);
    expect(alerts.json.items.length).toBeGreaterThan(0);

    const stats = await api.get('/api/v1/telemetry/stats', TEST_KEYS.viewer);
    expect(stats.status).toBe(200);
    expect(stats.json.pointsByStatus.ACTIVE).toBe(ctx.points.length);
    expect(Object.keys(stats.json.readingsLastHourByProvider)).toHaveLength(6);
  });

  it('manages users and subscriptions (shared notifications API), validating channels and references', async () => {
    const created = await api.post('/api/v1/notifications/users', {
      name: 'Ops',
      email: 'ops@example.test',
      phone: '+56912345678',
      webhookUrl: 'https://hooks.example.test/alerts',
      webhookSecretRef: 'ops-webhook',
    });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    const subscribed = await api.request('PUT', `/api/v1/notifications/users/${id}/subscriptions/TWIN-1`, {
      body: { eventTypes: ['telemetry.alert.opened'], channels: ['email', 'webhook'] },
    });
    expect(subscribed.status).toBe(200);
    expect(subscribed.json.subscriptions).toEqual([
      { subject: 'TWIN-1', eventTypes: ['telemetry.alert.opened'], channels: ['email', 'webhook'] },
    ]);
    const everything = await api.request('PUT', `/api/v1/notifications/users/${id}/subscriptions/*`, {
      body: { channels: ['sms'] },
    });
    expect(everything.json.subscriptions).toHaveLength(2);
    for (const [body, field] of [
      [{ channels: ['pigeon'] }, 'body.channels.0'],
      [{ channels: [] }, 'body.channels'],
    ] as const) {
      const refused = await api.request('PUT', `/api/v1/notifications/users/${id}/subscriptions/TWIN-2`, { body });
      expect(refused.status).toBe(400);
      expect(JSON.stringify(refused.json.errors)).toContain(field);
    }
    expect((await api.post('/api/v1/notifications/users', { name: 'x', phone: '912345678' })).status).toBe(400);
    expect((await api.post('/api/v1/notifications/users', { name: 'x', webhookSecretRef: 'whsec_a b' })).status).toBe(
      400,
    );
    expect((await api.request('DELETE', `/api/v1/notifications/users/${id}/subscriptions/TWIN-1`)).status).toBe(204);
    expect((await api.get(`/api/v1/notifications/users/${id}`, TEST_KEYS.viewer)).json.subscriptions).toHaveLength(1);
    expect((await api.request('DELETE', `/api/v1/notifications/users/${id}`)).status).toBe(204);
    expect((await api.get(`/api/v1/notifications/users/${id}`, TEST_KEYS.viewer)).status).toBe(404);
    expect((await api.get('/api/v1/notifications/outbox?status=PENDING', TEST_KEYS.viewer)).status).toBe(200);
  });
});
