import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { CvPipelineInput } from '../workflows/cv/pipeline';
import type { ScheduleContext, ScheduleDeclaration } from './types';

export const CV_SCHEDULE_ID = 'cv-pipeline';
/** @default 10 (CV_SCHEDULE_MINUTES) */
export const CV_DEFAULT_INTERVAL_MINUTES = 10;

/**
 * The CV pipeline every N minutes (ingest, then the six merges, then the touched days' rollups).
 * SKIP: a long first load is never joined by a second run; the next tick finds it done.
 */
export function cvSchedules({ timeZone, cvIntervalMinutes }: ScheduleContext): ScheduleDeclaration<'cvPipeline'>[] {
  const minutes = cvIntervalMinutes ?? CV_DEFAULT_INTERVAL_MINUTES;
  const input: CvPipelineInput = { timeZone };
  return [
    {
      id: CV_SCHEDULE_ID,
      description: `CV events: ingest, merges and OTT rollups every ${minutes} minutes`,
      taskQueue: 'cv',
      target: 'events',
      calendars: [{ hour: '*', minute: { start: 0, end: 59, step: minutes }, comment: `every ${minutes} minutes` }],
      workflowType: 'cvPipeline',
      args: [input],
      workflowIdPrefix: 'cv-pipeline',
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: '5 minutes',
    },
  ];
}
