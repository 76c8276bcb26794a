import type { Config } from '../../lib/config';
import { scheduleUiUrl, workflowUiUrl } from '../../lib/temporal';

/**
 * Where a client follows up on a run or a schedule. Ids are encoded as one path segment:
 * workflow ids contain `/` (`metrics-daily/2026-11-22`).
 */
export const runStatusUrl = (workflowId: string) => `/api/v1/runs/${encodeURIComponent(workflowId)}`;
export const scheduleStatusUrl = (scheduleId: string) => `/api/v1/schedules/${encodeURIComponent(scheduleId)}`;

export function runLinks(config: Config, workflowId: string, runId?: string) {
  return { statusUrl: runStatusUrl(workflowId), temporalUiUrl: workflowUiUrl(config, workflowId, runId) };
}

export function scheduleLinks(config: Config, scheduleId: string) {
  return { statusUrl: scheduleStatusUrl(scheduleId), temporalUiUrl: scheduleUiUrl(config, scheduleId) };
}

/** What an action answers (202): the run it started or acted on, and where to follow it. */
export function acceptedRun(config: Config, workflowId: string, runId: string) {
  return { workflowId, runId, ...runLinks(config, workflowId, runId) };
}
