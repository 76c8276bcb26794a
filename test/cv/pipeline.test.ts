import { PIPELINE, PIPELINE_TARGET, TRIGGERED_BY } from '../../lib/search-attributes';
import { CATEGORIES, CATEGORY_NAMES } from '../../lib/cv/categories';
import { usableRecordId } from '../../lib/cv/event';
import { CV_DEMO_CREDENTIALS } from '../../local/simulators/cv';
import { eventAt, isInvalid } from '../../local/simulators/cv/generator';
import { recordHistory } from '../harness/histories';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

/** Every payload of a history (base64 in its JSON form), decoded, so a test can search them. */
const decodedPayloads = (json: string) =>
  [...json.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)]
    .map((m) => Buffer.from(m[1]!, 'base64').toString('utf8'))
    .join('\n');
import { createCvTestContext, expectedSnapshot, ingestState, storedSnapshot, type CvTestContext } from './harness';

const SIM = { seed: 7, invalidRate: 0.02 };
let ctx: CvTestContext;
beforeAll(async () => {
  ctx = await createCvTestContext({ volume: 2_500, ...SIM });
});
afterAll(() => ctx.close());

async function runPipeline(name: string, args: Record<string, unknown> = {}) {
  const taskQueue = ctx.uniqueQueue('cv');
  return ctx.withWorkers([{ taskQueue, activities: ctx.activitiesByQueue.cv }], async () => {
    const handle = await ctx.client.workflow.start('cvPipeline', {
      taskQueue,
      workflowId: `cv-test/${name}-${taskQueue}`,
      args: [{ timeZone: 'America/Santiago', pageSize: 200, ...args }],
      typedSearchAttributes: [
        { key: PIPELINE, value: 'cv' },
        { key: TRIGGERED_BY, value: 'api' },
      ],
    });
    const result = await handle.result();
    // Queried while a worker still polls (a closed workflow's query is answered by replaying it).
    return { handle, result, phase: await handle.query<string>('phase') };
  });
}

describe('cvPipeline against the simulator', () => {
  it('loads everything on the first run, then only what is new, and merges and rolls up', async () => {
    const first = await runPipeline('first');
    await recordHistory(first.handle, 'cv-pipeline-full-load');
    expect(first.result.ingest.mode).toBe('full');
    expect(await storedSnapshot(ctx)).toEqual(expectedSnapshot(ctx.sim));
    const expected = expectedSnapshot(ctx.sim);
    expect(first.result.ingest.stored).toBe(expected.validRecordIds.length);
    expect(first.result.ingest.rejected).toBe(expected.invalidRaws.length);
    expect((await ingestState(ctx)).highWatermark).toBe(Math.max(...expected.validRecordIds));
    expect((await first.handle.describe()).typedSearchAttributes.get(PIPELINE_TARGET)).toBe('events');
    // Credentials and tokens never reach the history: activities read them from configuration.
    const history = decodedPayloads(historyToJSON(await first.handle.fetchHistory()));
    expect(history).toContain('America/Santiago');
    expect(history).not.toContain(CV_DEMO_CREDENTIALS.password);
    expect(history).not.toMatch(/cv-7-\d+-[0-9a-f]+/);
    expect(first.phase).toBe('done');

    // Merged: each category holds exactly its target events.
    for (const category of CATEGORY_NAMES) {
      const { table, targetActionId } = CATEGORIES[category];
      const merged = await ctx.db.query<{ n: bigint }>(`SELECT count(*) AS n FROM ${table}`);
      const targets = await ctx.db.query<{ n: bigint }>('SELECT count(*) AS n FROM cv_events WHERE action_id = $1', [
        targetActionId,
      ]);
      expect(merged.rows[0]!.n).toBe(targets.rows[0]!.n);
      expect(Number(merged.rows[0]!.n)).toBeGreaterThan(0);
    }
    expect(first.result.rollups.days).toBeGreaterThan(0);

    ctx.sim.addEvents(300);
    const second = await runPipeline('second');
    await recordHistory(second.handle, 'cv-pipeline-incremental');
    expect(second.result.ingest.mode).toBe('incremental');
    // Only the new events' pages (300 events, 200 per page) plus the page that finds the watermark.
    expect(second.result.ingest.pages).toBeLessThanOrEqual(3);
    expect(await storedSnapshot(ctx)).toEqual(expectedSnapshot(ctx.sim));

    const third = await runPipeline('nothing-new');
    expect(third.result.ingest).toMatchObject({ mode: 'none', pages: 0, stored: 0 });
  });

  it('rejects an invalid event without a recordId at the top of the listing in the run that sees it', async () => {
    // The simulator's events are a pure function of (seed, index): find the next index whose event
    // has no usable recordId, and load everything below it first.
    const generator = { ...SIM, startMs: 0, stepMs: 1 };
    let index = ctx.sim.stats.total;
    while (
      !isInvalid(generator, index) ||
      usableRecordId((eventAt(generator, index) as { recordId?: unknown })?.recordId) !== null
    )
      index++;
    ctx.sim.addEvents(index - ctx.sim.stats.total);
    await runPipeline('below-the-invalid-top');
    const { highWatermark } = await ingestState(ctx);

    ctx.sim.addEvents(1);
    const { result } = await runPipeline('invalid-top');
    expect(result.ingest).toMatchObject({ mode: 'incremental', stored: 0, rejected: 1, highWatermark });
    expect(await storedSnapshot(ctx)).toEqual(expectedSnapshot(ctx.sim));
    // Rejected once: the next run walks past it again and stores nothing twice.
    const again = await runPipeline('invalid-top-again');
    expect(again.result.ingest).toMatchObject({ stored: 0, rejected: 0, highWatermark });
    expect(await storedSnapshot(ctx)).toEqual(expectedSnapshot(ctx.sim));
  });
});
