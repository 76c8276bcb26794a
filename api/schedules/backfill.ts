import { isGrpcServiceError, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { optionalDateToTs, optionalTsToDate } from '@temporalio/common/lib/time';
import { badRequest } from '../http/problem';
import type { BackfillWindow } from './backfill-window';

/**
 * At most this many runs per backfill request. The runs start one after another (BUFFER_ALL) and
 * hold the schedule while they do: its own runs are skipped (SKIP) or wait behind them
 * (BUFFER_ALL). A year of a daily schedule fits; a week of a 5-minute one (2,016 runs) does not.
 */
export const MAX_BACKFILL_RUNS = 400;

/** Temporal lists at most 1000 matching times per call: the count pages through at most this many calls. */
const MAX_COUNT_CALLS = 100;
const GRPC_NOT_FOUND = 5;

/**
 * Temporal's backfill and matching-times ranges exclude their start and include their end; the
 * API's window is `[start, end)`. Schedules fire on whole seconds, so moving both bounds back by a
 * millisecond turns one into the other.
 */
function temporalRange({ start, end }: BackfillWindow) {
  return { start: new Date(start.getTime() - 1), end: new Date(end.getTime() - 1) };
}

/**
 * Replays the window on the schedule, after counting from Temporal the runs it would start (the
 * schedule's own spec, time zone and exclusions): more than MAX_BACKFILL_RUNS is a 400 that says
 * how many. Returns the count.
 */
export async function backfillSchedule(client: Client, scheduleId: string, window: BackfillWindow): Promise<number> {
  const range = temporalRange(window);
  const runs = await countMatchingTimes(client, scheduleId, range);
  if (runs > MAX_BACKFILL_RUNS) {
    const count = runs === Infinity ? `more than ${(MAX_COUNT_CALLS * 1000).toLocaleString('en')}` : String(runs);
    const message = `would start ${count} runs; at most ${MAX_BACKFILL_RUNS} per backfill: split the window`;
    throw badRequest(`The backfill ${message}`, [{ field: 'body', message }]);
  }
  // BUFFER_ALL: each backfilled run waits for the one before, whatever the schedule's own policy.
  await client.schedule.getHandle(scheduleId).backfill([{ ...range, overlap: ScheduleOverlapPolicy.BUFFER_ALL }]);
  return runs;
}

/** The runs the schedule would start in the range, or Infinity past MAX_COUNT_CALLS pages of them. */
async function countMatchingTimes(client: Client, scheduleId: string, { start, end }: BackfillWindow) {
  let count = 0;
  let from = start;
  for (let call = 0; call < MAX_COUNT_CALLS; call++) {
    const times = await listMatchingTimes(client, scheduleId, from, end);
    count += times.length;
    const last = times.at(-1);
    // A page short of Temporal's cap is the last; otherwise go on after its last time (starts are exclusive).
    if (times.length < 1000 || !last) return count;
    from = last;
  }
  return Infinity;
}

async function listMatchingTimes(client: Client, scheduleId: string, start: Date, end: Date): Promise<Date[]> {
  try {
    const response = await client.workflowService.listScheduleMatchingTimes({
      namespace: client.options.namespace,
      scheduleId,
      startTime: optionalDateToTs(start),
      endTime: optionalDateToTs(end),
    });
    return (response.startTime ?? []).map((time) => optionalTsToDate(time) ?? end);
  } catch (error) {
    if (isGrpcServiceError(error) && error.code === GRPC_NOT_FOUND) {
      throw new ScheduleNotFoundError(error.details || 'Schedule not found', scheduleId);
    }
    throw error;
  }
}
