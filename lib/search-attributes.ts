import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The search attributes every run carries, so an operator can find runs in the
 * Temporal UI with e.g. `Pipeline = "metrics" AND BusinessDate = "2026-11-22"`.
 */
export const PIPELINE = defineSearchAttributeKey('Pipeline', SearchAttributeType.KEYWORD);
export const PIPELINE_TARGET = defineSearchAttributeKey('PipelineTarget', SearchAttributeType.KEYWORD);
export const BUSINESS_DATE = defineSearchAttributeKey('BusinessDate', SearchAttributeType.KEYWORD);
export const TRIGGERED_BY = defineSearchAttributeKey('TriggeredBy', SearchAttributeType.KEYWORD);
/**
 * Set only on a run that completed with some of its parts failed (e.g. the metrics of a batch
 * that could not be computed), comma-separated: `FailedSteps IS NOT NULL` finds them all.
 */
export const FAILED_STEPS = defineSearchAttributeKey('FailedSteps', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTE_KEYS = [PIPELINE, PIPELINE_TARGET, BUSINESS_DATE, TRIGGERED_BY, FAILED_STEPS] as const;

/** The `temporal server start-dev --search-attribute` / operator-service form. */
export const SEARCH_ATTRIBUTE_DEFINITIONS: Record<string, 'Keyword'> = Object.fromEntries(
  SEARCH_ATTRIBUTE_KEYS.map((key) => [key.name, 'Keyword']),
);
