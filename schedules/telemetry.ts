import { ScheduleOverlapPolicy } from '@temporalio/client';
import { FREQUENCIES, type Frequency } from '../lib/telemetry/providers';
import type { TelemetryCycleInput } from '../workflows/telemetry/cycle';
import type { AnyScheduleDeclaration, ScheduleContext, ScheduleDeclaration } from './types';

export const telemetryScheduleId = (frequency: Frequency) => `telemetry-poll-${frequency}m`;

/**
 * One schedule per polling frequency, plus the health check and the raw readings' cleanup. SKIP: a cycle that overruns its period is not joined by a
 * second one over the same points; the next tick polls from the watermarks, so nothing is lost.
 */
export function telemetrySchedules({ timeZone }: ScheduleContext): AnyScheduleDeclaration[] {
  return [...pollSchedules(timeZone), ...maintenanceSchedules(timeZone)];
}

function pollSchedules(timeZone: string): ScheduleDeclaration<'telemetryPollCycle'>[] {
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
      workflowType: 'telemetryPollCycle',
      args: [input],
      workflowIdPrefix: `telemetry-poll-${frequency}m`,
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: frequency === 60 ? '10 minutes' : '1 minute',
    } satisfies ScheduleDeclaration<'telemetryPollCycle'>;
  });
}

/** The health check every 10 minutes, the daily summary at 08:00, the raw readings' cleanup at 03:30. */
function maintenanceSchedules(timeZone: string): AnyScheduleDeclaration[] {
  return [
    {
      id: 'telemetry-health',
      description: 'Telemetry: alerts for silent points and providers that fail every call',
      taskQueue: 'telemetry',
      target: 'health',
      calendars: [{ hour: '*', minute: { start: 0, end: 59, step: 10 }, comment: 'every 10 minutes' }],
      workflowType: 'telemetryHealthCheck',
      args: [{ timeZone }],
      workflowIdPrefix: 'telemetry-health',
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: '5 minutes',
    },
    {
      id: 'telemetry-daily-summary',
      description: "Telemetry: the last day's alerts to the users who ask for a daily summary",
      taskQueue: 'telemetry',
      target: 'daily-summary',
      calendars: [{ hour: 8, minute: 0, comment: 'daily 08:00' }],
      workflowType: 'telemetryDailySummary',
      args: [{ timeZone }],
      workflowIdPrefix: 'telemetry-daily-summary',
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: '30 minutes',
    },
    {
      id: 'telemetry-cleanup',
      description: 'Telemetry: delete raw readings older than 30 days',
      taskQueue: 'telemetry',
      target: 'raw-readings',
      calendars: [{ hour: 3, minute: 30, comment: 'daily 03:30' }],
      workflowType: 'telemetryCleanup',
      args: [{ timeZone }],
      workflowIdPrefix: 'telemetry-cleanup',
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: '30 minutes',
    },
  ];
}
