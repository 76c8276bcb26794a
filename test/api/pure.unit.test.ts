import { EARLIEST_DATE } from '../../api/http/schemas';
import { parseBackfillWindow } from '../../api/schedules/backfill-window';
import { CANARY_LATE_AFTER_MS, canaryState } from '../../api/health/checks';
import { buildVisibilityQuery } from '../../api/runs/visibility-query';

describe('buildVisibilityQuery', () => {
  it('joins the given filters over the search attributes and ExecutionStatus', () => {
    expect(buildVisibilityQuery({})).toBe('');
    expect(
      buildVisibilityQuery({
        pipeline: 'etl',
        status: 'Failed',
        target: 'dashboard_data',
        businessDate: '2026-11-22',
        triggeredBy: 'backfill',
      }),
    ).toBe(
      "Pipeline = 'etl' AND PipelineTarget = 'dashboard_data' AND BusinessDate = '2026-11-22' AND TriggeredBy = 'backfill' AND ExecutionStatus = 'Failed'",
    );
  });

  it('refuses a value that could break out of its quotes, even unvalidated', () => {
    expect(() => buildVisibilityQuery({ target: "x' OR WorkflowType = 'y" })).toThrow(RangeError);
    expect(() => buildVisibilityQuery({ target: 'x\\' })).toThrow(RangeError);
  });
});

describe('parseBackfillWindow', () => {
  const now = new Date('2026-11-23T12:00:00Z');
  const timeZone = 'America/Santiago';

  it('reads dates as midnight in the business time zone and instants as given', () => {
    // Santiago is UTC-3 in November (summer time).
    expect(parseBackfillWindow({ start: '2026-11-01', end: '2026-11-02T05:00:00+02:00' }, { now, timeZone })).toEqual({
      start: new Date('2026-11-01T03:00:00Z'),
      end: new Date('2026-11-02T03:00:00Z'),
    });
  });

  it('names the field of each problem', () => {
    expect(parseBackfillWindow({ start: '2026-11-02', end: '2026-11-01' }, { now, timeZone })).toEqual([
      { field: 'body.end', message: 'must be after start' },
    ]);
    expect(parseBackfillWindow({ start: '2026-11-01', end: '2026-11-24' }, { now, timeZone })).toEqual([
      { field: 'body.end', message: 'must be at least 60 minutes ago' },
    ]);
    // The last hour is the schedule's catch-up, never a backfill: its runs would be tagged `schedule`.
    expect(
      parseBackfillWindow({ start: '2026-11-23T10:00:00Z', end: '2026-11-23T11:30:00Z' }, { now, timeZone }),
    ).toEqual([{ field: 'body.end', message: 'must be at least 60 minutes ago' }]);
    expect(
      parseBackfillWindow({ start: '2026-11-23T10:00:00Z', end: '2026-11-23T11:00:00Z' }, { now, timeZone }),
    ).not.toBeInstanceOf(Array);
    expect(parseBackfillWindow({ start: '1999-12-31', end: '2000-01-02' }, { now, timeZone })).toEqual([
      { field: 'body.start', message: `must not be before ${EARLIEST_DATE}` },
    ]);
    expect(parseBackfillWindow({ start: '2025-11-01', end: '2026-11-03' }, { now, timeZone })).toEqual([
      { field: 'body.end', message: 'must be at most 366 days after start' },
    ]);
    expect(parseBackfillWindow({ start: '2026-02-30', end: '2026-11-01' }, { now, timeZone })).toEqual([
      { field: 'body.start', message: 'is not a valid date or instant' },
    ]);
  });

  it('accepts exactly 366 days', () => {
    expect(parseBackfillWindow({ start: '2025-11-01', end: '2026-11-02' }, { now, timeZone })).not.toBeInstanceOf(
      Array,
    );
  });
});

describe('canaryState', () => {
  const now = new Date('2026-11-23T12:00:00Z');
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const longAgo = ago(30 * 24 * 3_600_000);

  it('is ok while the newest row is at most two intervals and a minute old', () => {
    expect(CANARY_LATE_AFTER_MS).toBe(11 * 60_000);
    expect(canaryState(ago(CANARY_LATE_AFTER_MS), longAgo, now)).toBe('ok');
    expect(canaryState(ago(CANARY_LATE_AFTER_MS + 1), longAgo, now)).toBe('late');
  });

  it('without any row, waits two intervals after the schedule was created', () => {
    expect(canaryState(null, ago(9 * 60_000), now)).toBe('waiting');
    expect(canaryState(null, ago(10 * 60_000), now)).toBe('late');
  });
});
