import { ScheduleOverlapPolicy } from '@temporalio/client';
import { FREQUENCIES, type Frequency } from '../lib/telemetry/providers';
import type { TelemetryCycleInput } from '../workflows/telemetry';
import type { ScheduleContext, ScheduleDeclaration } from './types';

export const TELEMETRY_CYCLE_WORKFLOW_TYPE = 'telemetryPollCycle';
export const telemetryScheduleId = (frequency: Frequency) => `telemetry-poll-${frequency}m`;

/**
 * One schedule per polling frequency. SKIP: a cycle that overruns its period is not joined by a
 * second one over the same points; the next tick polls from the watermarks, so nothing is lost.
 */
export function telemetrySchedules({ timeZone }: ScheduleContext): ScheduleDeclaration[] {
  return FREQUENCIES.map((frequency) => {
    const input: TelemetryCycleInput = { frequency, timeZone };
    return {
      id: telemetryScheduleId(frequency),
      description: `Telemetry: poll the active ${frequency}-minute points`,
      taskQueue: 'telemetry',
      target: `frequency-${frequency}`,
      calendars: [
        frequency === 60
          ? { hour: '*', minute: 0, comment: 'every hour' }
          : { hour: '*', minute: { start: 0, end: 59, step: frequency }, comment: `every ${frequency} minutes` },
      ],
      workflowType: TELEMETRY_CYCLE_WORKFLOW_TYPE,
      args: [input],
      workflowIdPrefix: `telemetry-poll-${frequency}m`,
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: frequency === 60 ? '10 minutes' : '1 minute',
    } satisfies ScheduleDeclaration;
  });
}
