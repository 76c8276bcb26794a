import { ScheduleOverlapPolicy } from '@temporalio/client';
import { ETL_TABLES } from '../lib/etl/registry';
import type { EtlTableInput } from '../workflows/etl';
import type { AnyScheduleDeclaration, ScheduleContext, ScheduleDeclaration } from './types';

/** Every 30 minutes from 07:00 to 20:30 Monday to Saturday (the dashboard's office hours), and 03:00 daily. */
export const ETL_OFFICE_HOURS = { firstHour: 7, lastHour: 20, everyMinutes: 30 } as const;

/**
 * One incremental schedule per table, so an operator can pause one table. The dashboard is read
 * during office hours in PIPELINES_TZ; a nightly run catches up the revisions of the evening.
 * Tables start two minutes apart so five extractions do not hit BigQuery at the same second.
 * SKIP: a long run is never joined by a second one; the next tick finds it done.
 */
export function etlSchedules({ timeZone }: ScheduleContext): AnyScheduleDeclaration[] {
  const tables = ETL_TABLES.map((table, index): ScheduleDeclaration<'etlTable'> => {
    const input: EtlTableInput = { table: table.name, mode: 'incremental', timeZone };
    const offset = index * 2;
    return {
      id: `etl-table-${table.name}`,
      description: `${table.name}: incremental BigQuery load every ${ETL_OFFICE_HOURS.everyMinutes} minutes in office hours, and at 03:00`,
      taskQueue: 'etl',
      target: table.name,
      calendars: [
        {
          dayOfWeek: { start: 'MONDAY', end: 'SATURDAY' },
          hour: { start: ETL_OFFICE_HOURS.firstHour, end: ETL_OFFICE_HOURS.lastHour },
          minute: { start: offset, end: 59, step: ETL_OFFICE_HOURS.everyMinutes },
          comment: 'office hours',
        },
        { hour: 3, minute: offset, comment: 'nightly' },
      ],
      workflowType: 'etlTable',
      args: [input],
      workflowIdPrefix: `etl-table/${table.name}/incremental/scheduled`,
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: '20 minutes',
      workflowExecutionTimeout: '6 hours',
    };
  });
  const retention: ScheduleDeclaration<'etlRetention'> = {
    id: 'etl-retention',
    description: 'Deletes ETL rows older than their retention (plain PostgreSQL; TimescaleDB policies otherwise)',
    taskQueue: 'etl',
    target: 'retention',
    calendars: [{ hour: 4, minute: 30, comment: 'daily at 04:30' }],
    workflowType: 'etlRetention',
    args: [{ timeZone }],
    workflowIdPrefix: 'etl-retention',
    overlap: ScheduleOverlapPolicy.SKIP,
    catchupWindow: '20 minutes',
    workflowExecutionTimeout: '1 hour',
  };
  return [...tables, retention];
}
