import { createHash } from 'node:crypto';
import { createLocalClock, parseInstant } from './instant';

/**
 * One CV event, validated on its own. A bad event becomes a
 * reject with its reason and raw JSON; it never stops the others.
 */
export interface CvEvent {
  recordId: number;
  actionId: number;
  dataId: string;
  dataName: string | null;
  /** The instant, ISO-8601 UTC. */
  eventTime: string;
  /** Local date (`YYYY-MM-DD`) and time of day (`HH:mm:ss.SSS`) in PIPELINES_TZ. */
  dataDate: string;
  timeDate: string;
  duration: number | null;
  subscriberId: string;
  deviceId: string;
  /** Unknown extra fields, or null. */
  extra: Record<string, unknown> | null;
}

export interface CvReject {
  /** `record:<id>` when the event has a usable recordId, else `sha256:<hash of raw>`. */
  key: string;
  recordId: number | null;
  reason: string;
  raw: string;
}

export type Validated = { ok: true; event: CvEvent } | { ok: false; reject: CvReject };

const KNOWN_FIELDS = new Set([
  'recordId',
  'actionId',
  'dataId',
  'dataName',
  'timestamp',
  'duration',
  'subscriberId',
  'deviceId',
]);

/** A recordId the pipeline can order and key by: a positive integer that fits in 53 bits. */
export function usableRecordId(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null;
}

const clocks = new Map<string, ReturnType<typeof createLocalClock>>();
function localClock(timeZone: string) {
  let clock = clocks.get(timeZone);
  if (!clock) clocks.set(timeZone, (clock = createLocalClock(timeZone)));
  return clock;
}

export function rejectKey(recordId: number | null, raw: string): string {
  return recordId !== null ? `record:${recordId}` : `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

function fieldProblem(event: Record<string, unknown>): string | null {
  if (usableRecordId(event.recordId) === null) return 'recordId: must be an integer > 0 that fits in 53 bits';
  if (typeof event.actionId !== 'number' || !Number.isSafeInteger(event.actionId))
    return 'actionId: must be an integer';
  if (typeof event.dataId !== 'string' || event.dataId === '') return 'dataId: must be a non-empty string';
  if (event.dataName !== null && event.dataName !== undefined && typeof event.dataName !== 'string')
    return 'dataName: must be a string, "" or null';
  if (event.duration !== null && event.duration !== undefined) {
    if (typeof event.duration !== 'number' || !Number.isFinite(event.duration))
      return 'duration: must be a number or null';
    if (event.duration < 0) return 'duration: must not be negative';
  }
  if (typeof event.subscriberId !== 'string') return 'subscriberId: must be a string';
  if (typeof event.deviceId !== 'string') return 'deviceId: must be a string';
  return null;
}

/** Validates one item of a page and derives dataDate/timeDate in `timeZone`. Pure. */
export function validateEvent(item: unknown, timeZone: string): Validated {
  const raw = JSON.stringify(item) ?? String(item);
  const reject = (recordId: number | null, reason: string): Validated => ({
    ok: false,
    reject: { key: rejectKey(recordId, raw), recordId, reason, raw },
  });
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return reject(null, 'event: not a JSON object');
  const event = item as Record<string, unknown>;
  const recordId = usableRecordId(event.recordId);
  const problem = fieldProblem(event);
  if (problem) return reject(recordId, problem);
  const instant = parseInstant(event.timestamp);
  if (instant === null) return reject(recordId, 'timestamp: not ISO-8601 with an offset nor epoch milliseconds');
  const local = localClock(timeZone)(instant);
  const extraEntries = Object.entries(event).filter(([key]) => !KNOWN_FIELDS.has(key));
  return {
    ok: true,
    event: {
      recordId: recordId!,
      actionId: event.actionId as number,
      dataId: event.dataId as string,
      dataName: (event.dataName as string | null | undefined) ?? null,
      eventTime: new Date(instant).toISOString(),
      dataDate: local.date,
      timeDate: local.time,
      duration: (event.duration as number | null | undefined) ?? null,
      subscriberId: event.subscriberId as string,
      deviceId: event.deviceId as string,
      extra: extraEntries.length > 0 ? Object.fromEntries(extraEntries) : null,
    },
  };
}
