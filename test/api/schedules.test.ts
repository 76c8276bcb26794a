import { randomBytes } from 'node:crypto';
import type { TaskQueue } from '../../lib/families';
import { applySchedules } from '../../schedules/apply';
import { platformSchedules } from '../../schedules/platform';
import type { AnyScheduleDeclaration } from '../../schedules/types';
import { createTestContext, TEST_KEYS, type TestContext } from '../harness/context';
import { MAX_BACKFILL_RUNS } from '../../api/schedules/backfill';
import { eventually, startTestApi, type TestApi } from './api-client';

const HOUR = 3_600_000;
const context = { timeZone: 'UTC' };
const owner = `test-api-${randomBytes(4).toString('hex')}`;

let ctx: TestContext;
let api: TestApi;
let declaration: AnyScheduleDeclaration;
let missing: AnyScheduleDeclaration;
/** Fires every minute of 2020 only: matching times to count, and never a run now. */
let dense: AnyScheduleDeclaration;
/** The schedule fires daily at this UTC hour, twelve hours from now: never during the test. */
const fireHour = (new Date().getUTCHours() + 12) % 24;

beforeAll(async () => {
  ctx = await createTestContext();
  const [canary] = platformSchedules(context);
  const id = `test-api-schedule-${randomBytes(4).toString('hex')}`;
  declaration = {
    ...canary!,
    id,
    workflowIdPrefix: id,
    // A queue only this file's worker polls, so no other test's worker runs these runs.
    taskQueue: ctx.uniqueQueue('api-schedules') as TaskQueue,
    calendars: [{ hour: fireHour, minute: 0, comment: 'daily, twelve hours away' }],
  };
  missing = { ...declaration, id: `${id}-never-applied` };
  dense = {
    ...declaration,
    id: `${id}-dense`,
    workflowIdPrefix: `${id}-dense`,
    calendars: [{ year: 2020, hour: '*', minute: '*', comment: 'every minute of 2020' }],
  };
  await applySchedules(ctx.client, [declaration, dense], context, { owner });
  api = await startTestApi(ctx, { schedules: [declaration, missing, dense] });
});

afterAll(async () => {
  const handle = ctx?.client.schedule.getHandle(declaration.id);
  const description = await handle?.describe().catch(() => undefined);
  for (const action of description?.info.runningActions ?? []) {
    await ctx.client.workflow
      .getHandle(action.workflow.workflowId)
      .terminate('test over')
      .catch(() => undefined);
  }
  await handle?.delete().catch(() => undefined);
  await ctx?.client.schedule
    .getHandle(dense.id)
    .delete()
    .catch(() => undefined);
  await api?.close();
  await ctx?.close();
});

const schedulePath = (id: string, action = '') => `/api/v1/schedules/${encodeURIComponent(id)}${action}`;

describe('GET /api/v1/schedules', () => {
  it('lists each declared schedule with its Temporal state, or as missing', async () => {
    const response = await api.get('/api/v1/schedules', TEST_KEYS.viewer);
    expect(response.status).toBe(200);
    const [applied, absent] = response.json.items;
    expect(applied).toMatchObject({
      id: declaration.id,
      state: 'applied',
      workflowType: 'platformCanary',
      taskQueue: declaration.taskQueue,
      target: 'canary',
      timeZone: 'UTC',
      paused: false,
      calendars: [{ hour: fireHour, minute: 0 }],
      temporalUiUrl: expect.stringContaining(`/schedules/${declaration.id}`),
    });
    expect(applied.nextActionTimes).toHaveLength(5);
    for (const time of applied.nextActionTimes) {
      expect(new Date(time).getUTCHours()).toBe(fireHour);
      expect(new Date(time).getTime()).toBeGreaterThan(Date.now());
    }
    expect(absent).toMatchObject({ id: missing.id, state: 'missing', paused: null, nextActionTimes: [] });
  });

  it('answers 404 for a schedule that is not declared, even to an operator', async () => {
    expect((await api.get(schedulePath('platform-canary-not-declared'))).status).toBe(404);
    expect((await api.post(schedulePath('platform-canary-not-declared', '/trigger'))).status).toBe(404);
  });

  it('answers 404 for an action on a declared schedule that was never applied', async () => {
    const week = { start: '2020-03-01', end: '2020-03-08' };
    for (const [action, body] of [
      ['/pause', undefined],
      ['/trigger', undefined],
      ['/backfill', week],
    ] as const) {
      const response = await api.post(schedulePath(missing.id, action), body);
      expect(response.status).toBe(404);
      expect(response.json.detail).toMatch(/schedules:apply/);
    }
  });
});

describe('pause and unpause', () => {
  it('pauses with a note and unpauses with a note naming the key', async () => {
    expect((await api.post(schedulePath(declaration.id, '/pause'), undefined, TEST_KEYS.viewer)).status).toBe(403);

    const paused = await api.post(schedulePath(declaration.id, '/pause'), { note: 'upstream maintenance' });
    expect(paused.status).toBe(200);
    expect(paused.json).toMatchObject({ id: declaration.id, paused: true, note: 'upstream maintenance' });
    expect((await ctx.client.schedule.getHandle(declaration.id).describe()).state.paused).toBe(true);

    const health = await api.get('/health', null);
    expect(health.json.checks.schedules).toMatchObject({ status: 'degraded', paused: [declaration.id] });

    const unpaused = await api.post(schedulePath(declaration.id, '/unpause'));
    expect(unpaused.status).toBe(200);
    expect(unpaused.json).toMatchObject({ paused: false, note: 'Unpaused via the API by ops' });
    expect((await ctx.client.schedule.getHandle(declaration.id).describe()).state.paused).toBe(false);
  });

  it('rejects an unknown body field', async () => {
    const response = await api.post(schedulePath(declaration.id, '/pause'), { reason: 'typo' });
    expect(response.status).toBe(400);
    expect(response.json.errors).toEqual([{ field: 'body.reason', message: 'unknown field' }]);
  });
});

describe('POST /api/v1/schedules/:id/trigger', () => {
  it('starts a run now and names it; the run completes on a worker and writes its canary row', async () => {
    await ctx.withWorkers(
      [{ taskQueue: declaration.taskQueue, activities: ctx.activitiesByQueue.platform }],
      async () => {
        const response = await api.post(schedulePath(declaration.id, '/trigger'));
        expect(response.status).toBe(202);
        const { workflowId, runId, statusUrl } = response.json;
        expect(workflowId).toMatch(new RegExp(`^${declaration.workflowIdPrefix}-`));
        expect(statusUrl).toBe(`/api/v1/runs/${encodeURIComponent(workflowId)}`);

        await ctx.client.workflow.getHandle(workflowId, runId).result();
        const { rows } = await ctx.db.query('SELECT workflow_id FROM platform_canary WHERE workflow_id = $1', [
          workflowId,
        ]);
        expect(rows).toHaveLength(1);
        const run = await api.get(statusUrl, TEST_KEYS.viewer);
        // Started through the API, so tagged `api` like every run the API starts.
        expect(run.json).toMatchObject({
          status: 'Completed',
          pipeline: declaration.taskQueue,
          target: 'canary',
          triggeredBy: 'api',
        });
      },
    );
  });

  it('refuses a second trigger while the run it started is going, under the SKIP policy', async () => {
    // No worker polls the queue now: the first run stays running.
    const first = await api.post(schedulePath(declaration.id, '/trigger'));
    expect(first.status).toBe(202);
    const { workflowId } = first.json as { workflowId: string };
    try {
      await eventually(
        async () => {
          const query = `WorkflowId = '${workflowId}' AND ExecutionStatus = 'Running'`;
          for await (const info of ctx.client.workflow.list({ query })) return info;
          return undefined;
        },
        60_000,
        'the triggered run in visibility',
      );
      const second = await api.post(schedulePath(declaration.id, '/trigger'));
      expect(second.status).toBe(409);
      expect(second.json.detail).toContain(workflowId);
    } finally {
      await ctx.client.workflow.getHandle(workflowId).terminate('test over');
    }
  });
});

describe('POST /api/v1/schedules/:id/backfill', () => {
  it.each([
    ['start after end', { start: '2026-01-02T00:00:00Z', end: '2026-01-01T00:00:00Z' }, 'body.end'],
    ['start equal to end', { start: '2026-01-01', end: '2026-01-01' }, 'body.end'],
    ['an end in the future', { start: '2020-01-01', end: new Date(Date.now() + HOUR).toISOString() }, 'body.end'],
    [
      'an end less than an hour ago',
      { start: '2020-01-01', end: new Date(Date.now() - HOUR / 2).toISOString() },
      'body.end',
    ],
    ['a start before 2000-01-01', { start: '1999-12-01', end: '2000-01-02' }, 'body.start'],
    ['more than 366 days', { start: '2020-01-01', end: '2021-01-03' }, 'body.end'],
    ['a start that is not a date', { start: 'last monday', end: '2026-01-01' }, 'body.start'],
    ['an instant without offset', { start: '2026-01-01T00:00:00', end: '2026-01-02' }, 'body.start'],
    ['a missing end', { start: '2026-01-01' }, 'body.end'],
  ])('answers 400 for %s', async (_name, body, field) => {
    const response = await api.post(schedulePath(declaration.id, '/backfill'), body);
    expect(response.status).toBe(400);
    expect(response.json.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('replays the window: the schedule takes the action it would have taken then', async () => {
    // The latest past firing time; the window holds it and nothing else.
    const now = new Date();
    const fired = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), fireHour));
    if (fired > now) fired.setUTCDate(fired.getUTCDate() - 1);
    const start = new Date(fired.getTime() - 60_000).toISOString();
    const end = new Date(fired.getTime() + 60_000).toISOString();

    const response = await api.post(schedulePath(declaration.id, '/backfill'), { start, end });
    expect(response.status).toBe(202);
    expect(response.json).toEqual({
      scheduleId: declaration.id,
      start,
      end,
      runs: 1,
      statusUrl: schedulePath(declaration.id),
      temporalUiUrl: expect.stringContaining(declaration.id),
    });
    const action = await eventually(
      async () => {
        const view = await api.get(schedulePath(declaration.id), TEST_KEYS.viewer);
        return (view.json.recentActions as { scheduledAt: string; workflowId: string }[]).find(
          (a) => a.scheduledAt === fired.toISOString(),
        );
      },
      60_000,
      'the backfilled action',
    );
    expect(action).toMatchObject({ workflowId: expect.stringContaining(declaration.workflowIdPrefix) });

    // No worker polls this queue now, so the backfilled run is still going, and the schedule's
    // SKIP policy would drop a manual trigger: the API says so rather than accepting it.
    const trigger = await api.post(schedulePath(declaration.id, '/trigger'));
    expect(trigger.status).toBe(409);
    expect(trigger.json.detail).toContain(action.workflowId);
  });
});

describe('the backfill limit', () => {
  const minute = 60_000;
  const t0 = Date.parse('2020-03-01T00:00:00Z');
  const window = (start: number, end: number) => ({
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
  });

  it(`refuses a backfill that would start more than ${MAX_BACKFILL_RUNS} runs, saying how many`, async () => {
    // [start, end): the run at t0 counts, the one at the end does not; half-minutes test both bounds.
    for (const body of [
      window(t0, t0 + MAX_BACKFILL_RUNS * minute + 30_000),
      window(t0 - 30_000, t0 + (MAX_BACKFILL_RUNS + 1) * minute),
    ]) {
      const response = await api.post(schedulePath(dense.id, '/backfill'), body);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.json.detail).toContain(`would start ${MAX_BACKFILL_RUNS + 1} runs`);
      expect(response.json.detail).toContain(`at most ${MAX_BACKFILL_RUNS}`);
      expect(response.json.errors).toEqual([expect.objectContaining({ field: 'body' })]);
    }
  });

  it('counts exactly past what Temporal lists in one call (a week of a 1-minute schedule)', async () => {
    const response = await api.post(schedulePath(dense.id, '/backfill'), window(t0, t0 + 7 * 24 * 60 * minute));
    expect(response.status).toBe(400);
    expect(response.json.detail).toContain(`would start ${7 * 24 * 60} runs`);
  });

  it('stops counting past 100,000 runs and says so', async () => {
    const response = await api.post(schedulePath(dense.id, '/backfill'), window(t0, t0 + 100 * 24 * 60 * minute));
    expect(response.status).toBe(400);
    expect(response.json.detail).toContain('would start more than 100,000 runs');
  });

  it('started nothing for the refused backfills', async () => {
    const description = await ctx.client.schedule.getHandle(dense.id).describe();
    expect(description.info.numActionsTaken).toBe(0);
    expect(description.info.runningActions).toEqual([]);
  });
});

/**
 * `/health` once Temporal has answered the schedules check within its 2 s deadline: on a loaded
 * machine one describe can miss it (`down`), which is the check working, not what these tests ask.
 */
const settledHealth = (target: TestApi) =>
  eventually(
    async () => {
      const response = await target.get('/health', null);
      return response.json.checks.schedules.status === 'down' ? undefined : response;
    },
    60_000,
    'a schedules check that Temporal answered in time',
  );

describe('GET /health', () => {
  it('is ok when every declared schedule is applied, unpaused and the canary is on time', async () => {
    await ctx.db.query(`INSERT INTO platform_canary (scheduled_for, workflow_id) VALUES (now(), 'health-test')`);
    const healthy = await startTestApi(ctx, { schedules: [declaration] });
    try {
      const response = await settledHealth(healthy);
      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({
        status: 'ok',
        checks: {
          database: { status: 'ok', latencyMs: expect.any(Number) },
          temporal: { status: 'ok', latencyMs: expect.any(Number) },
          schedules: { status: 'ok', missing: [], paused: [], canary: 'ok', lastCanaryAt: expect.any(String) },
        },
      });
    } finally {
      await healthy.close();
    }
  });

  it("keeps the analytics service's components: the scheduler running and its three batch jobs, less any paused", async () => {
    // The metrics jobs' workflow types under ids only this file uses, firing twelve hours away.
    const batch = (['daily_metrics_batch', 'weekly_metrics_batch', 'cleanup_metrics'] as const).map(
      (job): AnyScheduleDeclaration => ({
        ...declaration,
        id: `${declaration.id}-${job}`,
        workflowIdPrefix: `${declaration.id}-${job}`,
        workflowType: job,
        args: [{ timeZone: context.timeZone }],
      }),
    );
    await applySchedules(ctx.client, batch, context, { owner });
    const seedClient = await startTestApi(ctx, { schedules: [declaration, ...batch] });
    try {
      const response = await settledHealth(seedClient);
      expect(response.json.components).toEqual({ scheduler: 'running', batch_jobs: 3 });
      expect(response.json.checks.schedules.status).not.toBe('down');

      await ctx.client.schedule.getHandle(batch[0]!.id).pause('test');
      expect((await settledHealth(seedClient)).json.components).toEqual({ scheduler: 'running', batch_jobs: 2 });
    } finally {
      await seedClient.close();
      for (const { id } of batch)
        await ctx.client.schedule
          .getHandle(id)
          .delete()
          .catch(() => undefined);
    }
  });

  it('is degraded when a declared schedule is missing from Temporal', async () => {
    const response = await settledHealth(api);
    expect(response.status).toBe(200);
    expect(response.json.status).toBe('degraded');
    expect(response.json.checks.schedules).toMatchObject({ status: 'degraded', missing: [missing.id], paused: [] });
  });

  it('is degraded when the newest canary row is older than two intervals and a minute', async () => {
    await ctx.db.query('DELETE FROM platform_canary');
    await ctx.db.query(
      `INSERT INTO platform_canary (scheduled_for, workflow_id, recorded_at) VALUES (now() - interval '12 minutes', 'old', now() - interval '12 minutes')`,
    );
    const stale = await startTestApi(ctx, { schedules: [declaration] });
    try {
      const response = await settledHealth(stale);
      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({ status: 'degraded', checks: { schedules: { canary: 'late' } } });
    } finally {
      await stale.close();
    }
  });
});
