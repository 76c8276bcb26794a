import { randomBytes } from 'node:crypto';
import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { PIPELINE, TRIGGERED_BY } from '../../lib/search-attributes';
import { declareSchedules } from '../../schedules';
import { applySchedules } from '../../schedules/apply';
import { CANARY_INTERVAL_MINUTES, platformSchedules } from '../../schedules/platform';
import type { AnyScheduleDeclaration } from '../../schedules/types';
import * as workflows from '../../workflows';
import { createTestContext, type TestContext } from '../harness/context';
import { waitUntil } from '../harness/wait';

let ctx: TestContext;
const created: string[] = [];
const context = { timeZone: 'America/Santiago' };
const owner = `test-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  for (const id of created)
    await ctx.client.schedule
      .getHandle(id)
      .delete()
      .catch(() => undefined);
  await ctx.close();
});

/** The canary's declaration under a unique id; tests give it a unique task queue so only their worker runs it. */
function testDeclaration(
  overrides: Partial<Omit<AnyScheduleDeclaration, 'taskQueue'>> & { taskQueue?: string } = {},
): AnyScheduleDeclaration {
  const [canary] = platformSchedules(context);
  const id = `test-canary-${randomBytes(4).toString('hex')}`;
  created.push(id);
  // A queue of its own: a schedule firing on the shared `platform` queue could reach another file's worker.
  return {
    ...canary!,
    id,
    workflowIdPrefix: id,
    taskQueue: ctx.uniqueQueue('platform'),
    ...overrides,
  } as AnyScheduleDeclaration;
}

async function schedulesWithId(client: Client, id: string): Promise<number> {
  let count = 0;
  for await (const summary of client.schedule.list()) if (summary.scheduleId === id) count++;
  return count;
}

describe('schedule declarations', () => {
  it('have unique ids and name workflows the bundle exports', () => {
    const declarations = declareSchedules(context);
    expect(declarations.length).toBeGreaterThan(0);
    for (const declaration of declarations) {
      expect(Object.keys(workflows)).toContain(declaration.workflowType);
      expect(declaration.calendars.length).toBeGreaterThan(0);
    }
  });
});

describe('applySchedules', () => {
  it('creates once, then updates in place, keeping an operator’s pause', async () => {
    const declaration = testDeclaration();
    await expect(applySchedules(ctx.client, [declaration], context, { owner })).resolves.toMatchObject({
      created: [declaration.id],
      updated: [],
    });
    const handle = ctx.client.schedule.getHandle(declaration.id);
    await handle.pause('operator paused it');

    const changed = { ...declaration, calendars: [{ hour: 2, minute: 0, comment: 'daily 02:00' }] };
    await expect(applySchedules(ctx.client, [changed], context, { owner })).resolves.toMatchObject({
      created: [],
      updated: [declaration.id],
    });
    const description = await handle.describe();
    expect(description.state.paused).toBe(true);
    expect(description.spec.calendars).toEqual([
      expect.objectContaining({ hour: [{ start: 2, end: 2, step: 1 }], minute: [{ start: 0, end: 0, step: 1 }] }),
    ]);
    expect(description.spec.timezone).toBe('America/Santiago');
    expect(description.policies.catchupWindow).toBe(60_000);
  });

  it('fires the canary every 5 minutes', async () => {
    const declaration = testDeclaration();
    await applySchedules(ctx.client, [declaration], context, { owner });
    const { nextActionTimes } = (await ctx.client.schedule.getHandle(declaration.id).describe()).info;
    const gaps = nextActionTimes.slice(1).map((time, i) => time.getTime() - nextActionTimes[i]!.getTime());
    expect(gaps.length).toBeGreaterThan(3);
    expect(new Set(gaps)).toEqual(new Set([CANARY_INTERVAL_MINUTES * 60_000]));
  });

  it('never makes a duplicate when applied from several processes at once', async () => {
    const declaration = testDeclaration();
    await Promise.all([1, 2, 3].map(() => applySchedules(ctx.client, [declaration], context, { owner })));
    // Visibility of schedules is eventually consistent: wait for the one to show.
    await waitUntil('the schedule in visibility', async () => (await schedulesWithId(ctx.client, declaration.id)) > 0);
    expect(await schedulesWithId(ctx.client, declaration.id)).toBe(1);
  });

  it('prunes only its owner’s schedules that are no longer declared', async () => {
    const kept = testDeclaration();
    const retired = testDeclaration();
    await applySchedules(ctx.client, [kept, retired], context, { owner });
    await waitUntil('the schedule in visibility', async () => (await schedulesWithId(ctx.client, retired.id)) > 0);
    const result = await applySchedules(ctx.client, [kept], context, { owner, prune: true });
    expect(result.deleted).toContain(retired.id);
    expect(result.deleted).not.toContain(kept.id);
    await expect(ctx.client.schedule.getHandle(retired.id).describe()).rejects.toThrow();
    await expect(ctx.client.schedule.getHandle(kept.id).describe()).resolves.toBeDefined();
  });

  it('starts runs tagged as scheduled, for the scheduled time', async () => {
    const taskQueue = ctx.uniqueQueue('platform');
    const declaration = testDeclaration({ taskQueue });
    await applySchedules(ctx.client, [declaration], context, { owner });
    const handle = ctx.client.schedule.getHandle(declaration.id);
    await ctx.withWorkers([{ taskQueue, activities: ctx.activitiesByQueue.platform }], async () => {
      await handle.trigger();
      const workflowId = await waitUntil(
        'the triggered action',
        async () => (await handle.describe()).info.recentActions[0]?.action.workflow.workflowId,
      );
      expect(workflowId).toMatch(new RegExp(`^${declaration.workflowIdPrefix}-`));
      const run = ctx.client.workflow.getHandle(workflowId);
      const result = await run.result();
      const attributes = (await run.describe()).typedSearchAttributes;
      expect(attributes.get(PIPELINE)).toBe(taskQueue);
      expect(attributes.get(TRIGGERED_BY)).toBe('schedule');
      const { rows } = await ctx.db.query('SELECT scheduled_for FROM platform_canary WHERE workflow_id = $1', [
        workflowId,
      ]);
      expect(rows).toEqual([{ scheduled_for: new Date(result.scheduledFor) }]);
    });
  });

  it('gives backfilled runs the time they were scheduled for, not the wall clock', async () => {
    const taskQueue = ctx.uniqueQueue('platform');
    const declaration = testDeclaration({ taskQueue, calendars: [{ hour: '*', minute: 0, comment: 'hourly' }] });
    await applySchedules(ctx.client, [declaration], context, { owner });
    const hour = 3_600_000;
    const lastHour = Math.floor(Date.now() / hour) * hour;
    const start = new Date(lastHour - 3 * hour + 1);
    const end = new Date(lastHour - hour + 1);
    await ctx.withWorkers([{ taskQueue, activities: ctx.activitiesByQueue.platform }], async () => {
      await ctx.client.schedule
        .getHandle(declaration.id)
        .backfill([{ start, end, overlap: ScheduleOverlapPolicy.ALLOW_ALL }]);
      const query = 'SELECT scheduled_for FROM platform_canary WHERE workflow_id LIKE $1 ORDER BY 1';
      const rows = await waitUntil('the two backfilled runs recorded', async () => {
        const { rows } = await ctx.db.query<{ scheduled_for: Date }>(query, [`${declaration.workflowIdPrefix}-%`]);
        return rows.length >= 2 && rows;
      });
      expect(rows.map((row) => row.scheduled_for.getTime())).toEqual([lastHour - 2 * hour, lastHour - hour]);
    });
    // The run for more than an hour ago is told apart from a catch-up and tagged as a backfill.
    const oldest = `${declaration.workflowIdPrefix}-${new Date(lastHour - 2 * hour).toISOString().replace('.000', '')}`;
    const attributes = (await ctx.client.workflow.getHandle(oldest).describe()).typedSearchAttributes;
    expect(attributes.get(TRIGGERED_BY)).toBe('backfill');
  });
});
