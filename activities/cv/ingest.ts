import type { Database } from '../../lib/db';
import { validateEvent, type CvEvent, type CvReject } from '../../lib/cv/event';
import { offsetToFetch, planPage, startSegment, type Page, type Segment } from '../../lib/cv/ingest-walk';
import type { CvClient } from './client';
import { insertEvents, insertRejects, loadIngestState, saveCheckpoint, withAdvisoryLock } from '../../data/cv';

/** What a load did, and what an operator sees in the heartbeat while it runs. */
export interface IngestProgress {
  /** `full` when the load started from watermark 0 (nothing ever loaded). */
  mode: 'full' | 'incremental' | 'none';
  resumed: boolean;
  pages: number;
  stored: number;
  rejected: number;
  offset: number;
  top: number | null;
  low: number | null;
  floor: number;
  highWatermark: number;
}

export interface IngestOptions {
  db: Database;
  client: CvClient;
  timeZone: string;
  pageSize: number;
  onProgress?: (progress: IngestProgress) => void;
  signal?: AbortSignal;
}

export function splitValidated(items: readonly unknown[], timeZone: string) {
  const events: CvEvent[] = [];
  const rejects: CvReject[] = [];
  for (const item of items) {
    const result = validateEvent(item, timeZone);
    if (result.ok) events.push(result.event);
    else rejects.push(result.reject);
  }
  return { events, rejects };
}

/**
 * One load: resume the stored segment, or start one from the newest page; then walk newest-first
 * to the floor, committing each page's rows with its checkpoint. Memory holds one page.
 */
export async function ingestEvents({ db, client, timeZone, pageSize, onProgress, signal }: IngestOptions) {
  return withAdvisoryLock(db, 'cv-ingest', async () => {
    const state = await db.withTransaction((tx) => loadIngestState(tx));
    const progress: IngestProgress = {
      mode: 'none',
      resumed: state.segment !== null,
      pages: 0,
      stored: 0,
      rejected: 0,
      offset: 0,
      top: null,
      low: null,
      floor: state.highWatermark,
      highWatermark: state.highWatermark,
    };
    let segment: Segment | null = state.segment;
    let page: Page | undefined;
    if (!segment) {
      page = await client.fetchPage(0, pageSize);
      segment = startSegment(state.highWatermark, page);
      if (!segment) return progress;
    }
    progress.mode = segment.floor === 0 ? 'full' : 'incremental';

    for (;;) {
      signal?.throwIfAborted();
      if (!page) {
        page = await client.fetchPage(offsetToFetch(segment), pageSize);
        // The listing shrank since the checkpoint: step back so nothing is skipped.
        const steppedBack = offsetToFetch(segment, page.total);
        if (steppedBack !== page.offset) page = await client.fetchPage(steppedBack, pageSize);
      }
      const decision = planPage(segment, page);
      const { events, rejects } = splitValidated(decision.toProcess, timeZone);
      const counts = await db.withTransaction(async (tx) => {
        const stored = await insertEvents(tx, events);
        const rejected = await insertRejects(tx, rejects);
        await saveCheckpoint(tx, decision.segment, decision.done, { stored, rejected });
        return { stored, rejected };
      });
      segment = decision.segment;
      page = undefined;
      progress.pages += 1;
      progress.stored += counts.stored;
      progress.rejected += counts.rejected;
      Object.assign(progress, { offset: segment.nextOffset, top: segment.top, low: segment.low, floor: segment.floor });
      if (decision.done) progress.highWatermark = Math.max(progress.highWatermark, segment.top);
      onProgress?.(progress);
      if (decision.done) return progress;
    }
  });
}
