import { temporal } from '@temporalio/proto';
import { readSendingState } from '../../api/compliance/sending';
import { ensureComplianceSender, SENDER_MAX_HISTORY_EVENTS } from '../../platform/compliance-sender';
import { senderWorkflowId } from '../../lib/compliance/sender-contract';
import { createComplianceTestContext, stopSender, waitFor, type ComplianceTestContext } from './harness';

/**
 * The status route once said `no-worker` for a running worker whose first workflow task after a
 * restart took 15.7 s to replay. When the sender's query gets no answer in time, the task
 * queue's pollers now tell a queue nobody polls (`no-worker`) from one whose worker holds the
 * sender's task and answers late (`busy`). Against the real Temporal server, on a queue of this
 * file's own (the status route reads the `compliance` queue's sender the same way).
 */
let ctx: ComplianceTestContext;
beforeAll(async () => {
  ctx = await createComplianceTestContext();
}, 120_000);
afterAll(() => ctx?.close());

const work = { status: 'ACTIVE', sendState: 'idle', nextPlanAt: null, claimed: false };

describe("a work's sending state when the sender does not answer", () => {
  it('is no-worker while nobody polls, busy while a worker holds its task, its state once answered', async () => {
    const taskQueue = ctx.uniqueQueue('compliance-state');
    const workflowId = senderWorkflowId(taskQueue);
    try {
      await ensureComplianceSender(ctx.client, { taskQueue });
      // Its replay stays cheap: it continues as new every thousand events, not at Temporal's ~4,000.
      const started = await ctx.client.workflow.getHandle(workflowId).fetchHistory();
      const input = started.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
      expect(JSON.parse(Buffer.from(input!).toString('utf8'))).toMatchObject({
        maxHistoryEvents: SENDER_MAX_HISTORY_EVENTS,
      });
      expect(await readSendingState(ctx, work, workflowId)).toEqual({
        state: 'no-worker',
        workflowId,
        nextWakeAt: null,
      });

      // A worker takes the sender's first workflow task and is slow with it (as when replaying a
      // long history on a loaded machine): the query waits behind it.
      const task = await ctx.client.connection.withDeadline(Date.now() + 70_000, () =>
        ctx.client.workflowService.pollWorkflowTaskQueue({
          namespace: ctx.config.temporal.namespace,
          taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          identity: 'slow-worker',
        }),
      );
      expect(task.workflowExecution?.workflowId).toBe(workflowId);
      expect(await readSendingState(ctx, work, workflowId)).toEqual({ state: 'busy', workflowId, nextWakeAt: null });

      // A real worker: once the held task times out it runs the sender, which answers.
      await ctx.withWorkers([{ taskQueue, activities: ctx.activities() }], () =>
        waitFor('the sender answering', async () => {
          const state = await readSendingState(ctx, work, workflowId);
          return state.state === 'idle' && state;
        }),
      );
    } finally {
      await stopSender(ctx, taskQueue);
    }
  }, 120_000);
});
