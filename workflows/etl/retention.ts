import { proxyActivities } from '@temporalio/workflow';
import type { EtlActivities } from '../../activities/etl';
import { localDate } from '../../lib/time';
import { scheduledTime, tagRun } from '../run-context';

const { applyEtlRetention } = proxyActivities<EtlActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * Daily retention of the ETL's tables on plain PostgreSQL (2 years for the daily dashboard
 * tables, 1 for operation_data, 6 months of the execution log); with TimescaleDB its retention
 * policies do it and this deletes nothing.
 */
export async function etlRetention(input: { timeZone: string }) {
  tagRun({ target: 'retention', businessDate: localDate(scheduledTime(), input.timeZone) });
  return applyEtlRetention();
}
