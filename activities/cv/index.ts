import { Context } from '@temporalio/activity';
import type { Config } from '../../lib/config';
import type { Database } from '../../lib/db';
import type { Category } from '../../lib/cv/categories';
import { cancellableDatabase } from '../cancellable-db';
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
 * Every step heartbeats while its statements run and, cancelled, rolls back the running
 * transaction (`cancellableDatabase`): the ingest keeps every page committed with its checkpoint,
 * a merge or the rollups keep the state from before.
 */
export function createCvActivities({ config, db }: CvActivityDeps) {
  return {
    async ingestCvEvents(input: IngestInput): Promise<IngestProgress> {
      const context = Context.current();
      // The last progress shown, so heartbeats while a statement runs or a 429 waits keep showing it.
      let shown: object = { phase: 'starting', attempt: context.info.attempt };
      const heartbeat = (details: object) => {
        shown = details;
        context.heartbeat(details);
      };
      const client = createCvClient({
        ...config.cv,
        signal: context.cancellationSignal,
        onWait: (reason) => context.heartbeat({ ...shown, waiting: reason }),
      });
      heartbeat(shown);
      return ingestEvents({
        db: cancellableDatabase(db, () => shown),
        client,
        timeZone: config.timeZone,
        pageSize: input.pageSize,
        signal: context.cancellationSignal,
        onProgress: heartbeat,
      });
    },

    async mergeCvCategory(category: Category): Promise<MergeResult> {
      return mergeCategory(
        cancellableDatabase(db, () => ({ category })),
        category,
      );
    },

    async refreshCvOttRollups(): Promise<{ days: number; first: string | null; last: string | null }> {
      const { days } = await refreshOttRollups(cancellableDatabase(db, () => ({ phase: 'rollups' })));
      return { days: days.length, first: days[0] ?? null, last: days.at(-1) ?? null };
    },
  };
}
