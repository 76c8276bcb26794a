import {
  createCvSimulator,
  CV_DEMO_CREDENTIALS,
  type CvSimulator,
  type CvSimulatorOptions,
} from '../../local/simulators/cv';
import { startSimulatorServer, type RunningSimulators } from '../../local/simulators/server';
import { createTestContext, type TestContext } from '../harness/context';

/** A test context whose configuration points at a CV simulator on a free loopback port. */
export interface CvTestContext extends TestContext {
  sim: CvSimulator;
  simServer: RunningSimulators;
  cvBaseUrl: string;
}

export async function createCvTestContext(
  simOptions: Partial<CvSimulatorOptions> = {},
  extraEnv: Record<string, string> = {},
): Promise<CvTestContext> {
  // The events end at the current hour, so `days=` windows (measured from today) hold some of them.
  const endMs = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const sim = createCvSimulator({ seed: 7, volume: 2_000, endMs, ...simOptions });
  const simServer = await startSimulatorServer([sim], 0);
  const cvBaseUrl = `${simServer.url}/cv`;
  const ctx = await createTestContext({
    CV_BASE_URL: cvBaseUrl,
    CV_USERNAME: CV_DEMO_CREDENTIALS.username,
    CV_PASSWORD: CV_DEMO_CREDENTIALS.password,
    ...extraEnv,
  });
  return {
    ...ctx,
    sim,
    simServer,
    cvBaseUrl,
    async close() {
      await ctx.close();
      await simServer.close();
    },
  };
}

/** What is stored: valid recordIds (sorted) and reject raws (sorted), plus duplicate checks. */
export async function storedSnapshot(ctx: TestContext) {
  const events = await ctx.db.query<{ record_id: bigint }>('SELECT record_id FROM cv_events ORDER BY record_id');
  const rejects = await ctx.db.query<{ raw: string }>('SELECT raw FROM cv_rejects ORDER BY raw');
  return {
    validRecordIds: events.rows.map((row) => Number(row.record_id)),
    invalidRaws: rejects.rows.map((row) => row.raw),
  };
}

/** The simulator's catalog in the same order as `storedSnapshot`. */
export function expectedSnapshot(sim: CvSimulator) {
  const { validRecordIds, invalidRaws } = sim.catalog();
  return { validRecordIds: [...validRecordIds].sort((a, b) => a - b), invalidRaws: [...invalidRaws].sort() };
}

export async function ingestState(ctx: TestContext) {
  const { rows } = await ctx.db.query<{ high_watermark: bigint; segment_top: bigint | null }>(
    'SELECT high_watermark, segment_top FROM cv_ingest_state',
  );
  return { highWatermark: Number(rows[0]!.high_watermark), segmentTop: rows[0]!.segment_top };
}
