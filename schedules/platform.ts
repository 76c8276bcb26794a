import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { CanaryInput } from '../workflows/platform/canary';
import type { ScheduleContext, ScheduleDeclaration } from './types';

/** How often the canary runs; `/health` calls schedules degraded after two missed runs. */
export const CANARY_INTERVAL_MINUTES = 5;

export function platformSchedules({ timeZone }: ScheduleContext): ScheduleDeclaration<'platformCanary'>[] {
  const input: CanaryInput = { timeZone };
  return [
    {
      id: 'platform-canary',
      description: `Writes a canary row every ${CANARY_INTERVAL_MINUTES} minutes: schedules, worker and database alive`,
      taskQueue: 'platform',
      target: 'canary',
      // An omitted hour means hour 0 in a calendar spec: say every hour explicitly.
      calendars: [
        { hour: '*', minute: { start: 0, end: 59, step: CANARY_INTERVAL_MINUTES }, comment: 'every 5 minutes' },
      ],
      workflowType: 'platformCanary',
      args: [input],
      workflowIdPrefix: 'platform-canary',
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: '1 minute',
      workflowExecutionTimeout: '5 minutes',
    },
  ];
}
