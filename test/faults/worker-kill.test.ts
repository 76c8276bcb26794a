import type { ChildProcess } from 'node:child_process';
import { createTestContext, type TestContext } from '../harness/context';
import { waitUntil } from '../harness/wait';
import { killWorkerProcess, startWorkerProcess } from '../harness/worker-process';
import { DRILL_SCHEMA } from '../fixtures/drill-activities';

let ctx: TestContext;
const children: ChildProcess[] = [];

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.db.query(DRILL_SCHEMA);
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await ctx.close();
});

const startWorker = (taskQueue: string) =>
  startWorkerProcess({ databaseUrl: ctx.databaseUrl.reveal(), taskQueue }, children);

async function countRows(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await ctx.db.query<{ n: bigint }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

describe('a worker SIGKILLed in the middle of a workflow', () => {
  it('loses nothing: a new worker finishes the run and every step is stored once', async () => {
    const taskQueue = ctx.uniqueQueue('drill');
    const runKey = taskQueue;
    const steps = 6;
    const first = await startWorker(taskQueue);
    const handle = await ctx.client.workflow.start('drillSteps', {
      taskQueue,
      workflowId: `drill/${runKey}`,
      args: [{ runKey, steps, stepMillis: 2_000 }],
    });

    // Kill it mid-run: after some steps are stored and while another is in flight (its attempt recorded,
    // its step not): seen in the tables, not guessed from how long a step takes on this machine.
    await waitUntil('a step in flight after two stored', async () => {
      const stored = await countRows('SELECT count(*) AS n FROM drill_steps WHERE run_key = $1', [runKey]);
      const begun = await countRows('SELECT count(DISTINCT step) AS n FROM drill_attempts WHERE run_key = $1', [
        runKey,
      ]);
      return stored >= 2 && begun > stored;
    });
    await killWorkerProcess(first);
    const storedAtKill = await countRows('SELECT count(*) AS n FROM drill_steps WHERE run_key = $1', [runKey]);
    expect(storedAtKill).toBeLessThan(steps);

    await startWorker(taskQueue);
    await expect(handle.result()).resolves.toBe(steps);

    const { rows } = await ctx.db.query<{ step: number }>(
      'SELECT step FROM drill_steps WHERE run_key = $1 ORDER BY step',
      [runKey],
    );
    expect(rows.map((row) => row.step)).toEqual([0, 1, 2, 3, 4, 5]);
    // The step in flight at the kill ran again on the new worker (attempt 2).
    expect(
      await countRows('SELECT count(*) AS n FROM drill_attempts WHERE run_key = $1 AND attempt > 1', [runKey]),
    ).toBeGreaterThanOrEqual(1);
  });
});
