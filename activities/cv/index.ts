import { Context } from '@temporalio/activity';
import type { Config } from '../../lib/config';
import type { Database } from '../../lib/db';
import type { Category } from '../../lib/cv/categories';
import { createCvClient } from './client';
import { ingestEvents, type IngestProgress } from './ingest';
import { mergeCategory, type MergeResult } from './merge';
import { refreshOttRollups } from './rollups';

export interface CvActivityDeps {
  config: Config;
  db: Database;
}

export interface IngestInput {
  /** Events per page, 1..1000 (the contract's limit). */
  pageSize: number;
}

/**
 * The CV activities. Credentials come from configuration here, never from workflow inputs.
 * The ingest heartbeats its progress after every page (the Temporal UI shows it under Pending
 * Activities); its checkpoint lives in PostgreSQL, so any retry, on any worker, resumes there.
 */
export function createCvActivities({ config, db }: CvActivityDeps) {
  return {
    async ingestCvEvents(input: IngestInput): Promise<IngestProgress> {
      const context = Context.current();
      const heartbeat = (details: unknown) => context.heartbeat(details);
      const client = createCvClient({
        ...config.cv,
        signal: context.cancellationSignal,
        onWait: (reason) => heartbeat({ waiting: reason }),
      });
      heartbeat({ phase: 'starting', attempt: context.info.attempt });
      return ingestEvents({
        db,
        client,
        timeZone: config.timeZone,
        pageSize: input.pageSize,
        signal: context.cancellationSignal,
        onProgress: heartbeat,
      });
    },

    async mergeCvCategory(category: Category): Promise<MergeResult> {
      return mergeCategory(db, category);
    },

    async refreshCvOttRollups(): Promise<{ days: number; first: string | null; last: string | null }> {
      const { days } = await refreshOttRollups(db);
      return { days: days.length, first: days[0] ?? null, last: days.at(-1) ?? null };
    },
  };
}
