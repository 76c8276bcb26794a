import { ActivityCancellationType, defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createCvActivities } from '../../activities/cv';
import type { IngestProgress } from '../../activities/cv/ingest';
import type { MergeResult } from '../../activities/cv/merge';
import { CATEGORY_NAMES } from '../../lib/cv/categories';
import { localDate } from '../../lib/time';
import { scheduledTime, tagRun } from '../run-context';

type CvActivities = ReturnType<typeof createCvActivities>;

export interface CvPipelineInput {
  /** PIPELINES_TZ: the run is filed under its local business date. */
  timeZone: string;
  /** Events per page (1..1000). @default 1000 */
  pageSize?: number;
  /**
   * How long a step (the ingest, a merge, the rollups) may go without a heartbeat before another
   * worker takes over: the time a dead worker costs. @default CV_HEARTBEAT_TIMEOUT ('1 minute')
   */
  heartbeatTimeout?: string;
}

/** @see CvPipelineInput.heartbeatTimeout */
export const CV_HEARTBEAT_TIMEOUT = '1 minute';

export interface CvPipelineResult {
  ingest: IngestProgress;
  merges: MergeResult[];
  rollups: { days: number; first: string | null; last: string | null };
}

export const cvPipelinePhaseQuery = defineQuery<string>('phase');

/**
 * The CV pipeline: ingest the new events, merge the six categories, then refresh the
 * OTT rollups of the days the merges touched. Every step is idempotent and keeps its own
 * watermark in PostgreSQL, so a run that fails part-way is completed by the next one.
 */
export async function cvPipeline(input: CvPipelineInput): Promise<CvPipelineResult> {
  let phase = 'ingest';
  setHandler(cvPipelinePhaseQuery, () => phase);
  tagRun({ target: 'events', businessDate: localDate(scheduledTime(), input.timeZone) });

  // Every step heartbeats (the ingest per page, all of them while a statement runs): a dead worker
  // costs the heartbeat timeout, and a cancelled run ends only once the running step has stopped
  // and rolled back its transaction (explicit: left out, the SDK's core applies TRY_CANCEL).
  const heartbeatTimeout = input.heartbeatTimeout ?? CV_HEARTBEAT_TIMEOUT;
  const cancellationType = ActivityCancellationType.WAIT_CANCELLATION_COMPLETED;
  const { ingestCvEvents } = proxyActivities<CvActivities>({
    // A first full load of millions of events takes a while; progress is watched by heartbeat.
    startToCloseTimeout: '6 hours',
    heartbeatTimeout,
    cancellationType,
    retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: ['BadCredentials'] },
  });
  const { mergeCvCategory, refreshCvOttRollups } = proxyActivities<CvActivities>({
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout,
    cancellationType,
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  });

  const ingest = await ingestCvEvents({ pageSize: input.pageSize ?? 1000 });
  phase = 'merge';
  const merges: MergeResult[] = [];
  for (const category of CATEGORY_NAMES) merges.push(await mergeCvCategory(category));
  phase = 'rollups';
  const rollups = await refreshCvOttRollups();
  phase = 'done';
  return { ingest, merges, rollups };
}
