import type { TaskQueue, Trigger } from '../../lib/families';
import { BUSINESS_DATE, PIPELINE, PIPELINE_TARGET, TRIGGERED_BY } from '../../lib/search-attributes';

/** The `ExecutionStatus` values of Temporal's visibility queries, also used in run views. */
export const RUN_STATUSES = [
  'Running',
  'Completed',
  'Failed',
  'Canceled',
  'Terminated',
  'TimedOut',
  'ContinuedAsNew',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** What `PipelineTarget` may hold: table, category, point or config names. No quotes, no spaces. */
export const TARGET_PATTERN = /^[A-Za-z0-9][\w.:/-]{0,127}$/;
export const BUSINESS_DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export interface RunFilter {
  pipeline?: TaskQueue;
  status?: RunStatus;
  target?: string;
  businessDate?: string;
  triggeredBy?: Trigger;
}

/**
 * Builds a visibility query from already-validated values. The request schema is the first
 * guard; this one refuses any value a quote or backslash could break out of, so a future caller
 * that skips validation still cannot inject query syntax.
 */
export function buildVisibilityQuery(filter: RunFilter): string {
  const clauses: string[] = [];
  const add = (attribute: string, value: string | undefined) => {
    if (value !== undefined) clauses.push(`${attribute} = ${quote(value)}`);
  };
  add(PIPELINE.name, filter.pipeline);
  add(PIPELINE_TARGET.name, filter.target);
  add(BUSINESS_DATE.name, filter.businessDate);
  add(TRIGGERED_BY.name, filter.triggeredBy);
  add('ExecutionStatus', filter.status);
  return clauses.join(' AND ');
}

function quote(value: string): string {
  if (/['"\\`\n\r]/.test(value)) throw new RangeError('visibility query values must not contain quotes or backslashes');
  return `'${value}'`;
}
