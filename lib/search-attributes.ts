import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The search attributes every run carries (SPEC §3), so an operator can find runs in the
 * Temporal UI with e.g. `Pipeline = "metrics" AND BusinessDate = "2026-11-22"`.
 */
export const PIPELINE = defineSearchAttributeKey('Pipeline', SearchAttributeType.KEYWORD);
export const PIPELINE_TARGET = defineSearchAttributeKey('PipelineTarget', SearchAttributeType.KEYWORD);
export const BUSINESS_DATE = defineSearchAttributeKey('BusinessDate', SearchAttributeType.KEYWORD);
export const TRIGGERED_BY = defineSearchAttributeKey('TriggeredBy', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTE_KEYS = [PIPELINE, PIPELINE_TARGET, BUSINESS_DATE, TRIGGERED_BY] as const;

/** The `temporal server start-dev --search-attribute` / operator-service form. */
export const SEARCH_ATTRIBUTE_DEFINITIONS: Record<string, 'Keyword'> = Object.fromEntries(
  SEARCH_ATTRIBUTE_KEYS.map((key) => [key.name, 'Keyword']),
);
