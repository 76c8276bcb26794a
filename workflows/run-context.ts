import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { BACKFILL_LAG_MS } from '../lib/families';
import { BUSINESS_DATE, PIPELINE_TARGET, TRIGGERED_BY } from '../lib/search-attributes';

/** Set by Temporal on every run a schedule starts, including catch-ups and backfills. */
const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/**
 * The instant a run is for: the scheduled time when a schedule started it (so a late or
 * backfilled run computes the window it was scheduled for), otherwise the workflow's start.
 */
export function scheduledTime(): Date {
  return workflowInfo().typedSearchAttributes.get(SCHEDULED_START_TIME) ?? workflowInfo().startTime;
}

/**
 * Records what a run is about once the workflow knows it, for search in the Temporal UI.
 * Temporal starts backfilled runs exactly like scheduled ones; they are told apart here by
 * how late they start, and tagged `TriggeredBy = backfill`.
 */
export function tagRun(tags: { target?: string; businessDate?: string }): void {
  const updates = [];
  if (tags.target !== undefined) updates.push({ key: PIPELINE_TARGET, value: tags.target });
  if (tags.businessDate !== undefined) updates.push({ key: BUSINESS_DATE, value: tags.businessDate });
  const scheduledFor = workflowInfo().typedSearchAttributes.get(SCHEDULED_START_TIME);
  if (scheduledFor && workflowInfo().startTime.getTime() - scheduledFor.getTime() > BACKFILL_LAG_MS) {
    updates.push({ key: TRIGGERED_BY, value: 'backfill' });
  }
  if (updates.length > 0) upsertSearchAttributes(updates);
}
