import { randomBytes } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { PIPELINE, PIPELINE_TARGET, TRIGGERED_BY } from '../../lib/search-attributes';
import { createDrillActivities, createFailingDrillActivities, DRILL_SCHEMA } from '../fixtures/drill-activities';
import { createTestContext, TEST_KEYS, type TestContext } from '../harness/context';
import { eventually, startTestApi, type TestApi } from './api-client';

let ctx: TestContext;
let api: TestApi;
const started: WorkflowHandle[] = [];

beforeAll(async () => {
  ctx = await createTestContext();
  api = await startTestApi(ctx);
});
afterAll(async () => {
  // Leave nothing running on the Temporal server the other test files share.
  await Promise.all(started.map((handle) => handle.terminate('test over').catch(() => undefined)));
  await api?.close();
  await ctx?.close();
});

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** A canary run on a task queue no worker polls: it stays Running with the target it was started with. */
async function startIdleRun(target: string, workflowId = unique('api-runs/idle')) {
  const handle = await ctx.client.workflow.start('platformCanary', {
    taskQueue: ctx.uniqueQueue('idle'),
    workflowId,
    args: [{ timeZone: 'UTC' }],
    typedSearchAttributes: [
      { key: PIPELINE, value: 'platform' },
      { key: PIPELINE_TARGET, value: target },
      { key: TRIGGERED_BY, value: 'api' },
    ],
  });
  started.push(handle);
  return handle;
}

const listIds = async (query: string) =>
  ((await api.get(`/api/v1/runs?${query}`, TEST_KEYS.viewer)).json.items as { workflowId: string }[]).map(
    (item) => item.workflowId,
  );

describe('GET /api/v1/runs', () => {
  it('finds runs by target and status, and only those', async () => {
    const target = unique('api-target');
    const other = unique('api-target');
    const mine = await startIdleRun(target);
    const theirs = await startIdleRun(other);

    const found = await eventually(
      async () => {
        const response = await api.get(`/api/v1/runs?pipeline=platform&target=${target}`, TEST_KEYS.viewer);
        expect(response.status).toBe(200);
        return response.json.items.length > 0 ? response.json : undefined;
      },
      60_000,
      'the run to be visible',
    );

    expect(found.query).toBe(`Pipeline = 'platform' AND PipelineTarget = '${target}'`);
    expect(found.items).toEqual([
      expect.objectContaining({
        workflowId: mine.workflowId,
        type: 'platformCanary',
        status: 'Running',
        pipeline: 'platform',
        target,
        triggeredBy: 'api',
        closeTime: null,
        statusUrl: `/api/v1/runs/${encodeURIComponent(mine.workflowId)}`,
        temporalUiUrl: expect.stringContaining(`/workflows/${encodeURIComponent(mine.workflowId)}`),
      }),
    ]);
    expect(await listIds(`target=${target}&status=Running`)).toEqual([mine.workflowId]);
    expect(await listIds(`target=${target}&status=Completed`)).toEqual([]);
    await eventually(async () => ((await listIds(`target=${other}`)).includes(theirs.workflowId) ? true : undefined));
    expect(await listIds(`target=${other}`)).not.toContain(mine.workflowId);
  });

  it('returns at most `limit` runs', async () => {
    const target = unique('api-limit');
    await startIdleRun(target);
    await startIdleRun(target);
    await eventually(async () => ((await listIds(`target=${target}`)).length === 2 ? true : undefined));
    expect(await listIds(`target=${target}&limit=1`)).toHaveLength(1);
  });
});

describe('GET /api/v1/runs/:workflowId', () => {
  it('shows a completed run with its result, and a running one with its heartbeat progress', async () => {
    await ctx.db.query(DRILL_SCHEMA);
    const canaryQueue = ctx.uniqueQueue('api-canary');
    const drillQueue = ctx.uniqueQueue('api-drill');
    const workers = [
      { taskQueue: canaryQueue, activities: ctx.activitiesByQueue.platform },
      { taskQueue: drillQueue, activities: createDrillActivities(ctx.db) },
    ];
    await ctx.withWorkers(workers, async () => {
      // Ids with a slash, as the families' are: they travel encoded as one path segment.
      const canary = await ctx.client.workflow.start('platformCanary', {
        taskQueue: canaryQueue,
        workflowId: unique('api-runs/completed'),
        args: [{ timeZone: 'UTC' }],
      });
      const value = await canary.result();
      const completed = await api.get(`/api/v1/runs/${encodeURIComponent(canary.workflowId)}`, TEST_KEYS.viewer);
      expect(completed.status).toBe(200);
      expect(completed.json).toMatchObject({
        workflowId: canary.workflowId,
        runId: canary.firstExecutionRunId,
        status: 'Completed',
        result: value,
        failure: null,
        pendingActivities: [],
        cancelRequested: false,
      });
      expect(completed.json.result).toMatchObject({ recorded: true });
      expect(completed.json.historyLength).toBeGreaterThan(3);

      const drill = await ctx.client.workflow.start('drillSteps', {
        taskQueue: drillQueue,
        workflowId: unique('api-runs/drill'),
        // Longer than any wait for its first heartbeat, so it is still running when seen; terminated below.
        args: [{ runKey: unique('drill'), steps: 1, stepMillis: 30_000 }],
      });
      started.push(drill);
      const activity = await eventually(
        async () => {
          const response = await api.get(`/api/v1/runs/${encodeURIComponent(drill.workflowId)}`, TEST_KEYS.viewer);
          const pending = response.json.pendingActivities[0];
          return pending?.heartbeatDetails ? pending : undefined;
        },
        60_000,
        'a heartbeat',
      );
      expect(activity).toMatchObject({
        activityType: 'recordDrillStep',
        state: 'STARTED',
        attempt: 1,
        heartbeatDetails: { step: 0 },
        lastHeartbeatTime: expect.any(String),
      });
      await drill.terminate('seen enough');
    });
  });
});

describe('a failed run', () => {
  it('shows the root cause, walking the cause chain, in the run and in the runs list', async () => {
    const taskQueue = ctx.uniqueQueue('api-failed');
    const target = unique('api-failed');
    const handle = await ctx.withWorkers([{ taskQueue, activities: createFailingDrillActivities() }], async () => {
      const started = await ctx.client.workflow.start('drillFailure', {
        taskQueue,
        workflowId: unique('api-runs/failed'),
        args: [{ wouldDelete: 47, of: 89 }],
        typedSearchAttributes: [
          { key: PIPELINE, value: 'platform' },
          { key: PIPELINE_TARGET, value: target },
        ],
      });
      await expect(started.result()).rejects.toThrow();
      return started;
    });
    const rootCause = {
      type: 'SuspiciousDeletion',
      message: "would delete 47 of the window's 89 rows",
      summary: "SuspiciousDeletion: would delete 47 of the window's 89 rows",
    };

    const detail = await api.get(`/api/v1/runs/${encodeURIComponent(handle.workflowId)}`, TEST_KEYS.viewer);
    expect(detail.status).toBe(200);
    expect(detail.json).toMatchObject({ status: 'Failed', result: null, failure: rootCause });
    // Outermost first: the child's failure, the activity's, then the error the activity threw.
    expect(detail.json.failure.chain.map((link: { type: string }) => link.type)).toEqual([
      'ChildWorkflowFailure',
      'ActivityFailure',
      'SuspiciousDeletion',
    ]);

    const listed = await eventually(
      async () => {
        const items = (await api.get(`/api/v1/runs?target=${target}&status=Failed`, TEST_KEYS.viewer)).json.items;
        return items.length > 0 ? items : undefined;
      },
      60_000,
      'the failed run to be visible',
    );
    expect(listed).toEqual([
      expect.objectContaining({ workflowId: handle.workflowId, failure: expect.objectContaining(rootCause) }),
    ]);
  });

  it('lists runs that did not fail with no failure', async () => {
    const target = unique('api-running');
    await startIdleRun(target);
    const items = await eventually(async () => {
      const found = (await api.get(`/api/v1/runs?target=${target}`, TEST_KEYS.viewer)).json.items;
      return found.length > 0 ? found : undefined;
    });
    expect(items).toEqual([expect.objectContaining({ status: 'Running', failure: null })]);
  });
});

describe('POST /api/v1/runs/:workflowId/cancel', () => {
  it('requests cancellation of a running run, and refuses a run that is not running', async () => {
    const handle = await startIdleRun(unique('api-cancel'));
    const path = `/api/v1/runs/${encodeURIComponent(handle.workflowId)}`;

    const response = await api.post(`${path}/cancel`);
    expect(response.status).toBe(202);
    expect(response.json).toEqual({
      workflowId: handle.workflowId,
      runId: handle.firstExecutionRunId,
      statusUrl: path,
      temporalUiUrl: expect.stringContaining(handle.firstExecutionRunId),
    });
    expect((await api.get(path)).json).toMatchObject({ status: 'Running', cancelRequested: true });

    await handle.terminate('done with it');
    const refused = await api.post(`${path}/cancel`);
    expect(refused.status).toBe(409);
    expect(refused.json.detail).toMatch(/terminated/);
  });

  it('answers 404 for an unknown workflow', async () => {
    const response = await api.post(`/api/v1/runs/${unique('never-started')}/cancel`);
    expect(response.status).toBe(404);
  });
});
