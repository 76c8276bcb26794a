import { alertConditions, alertConditionsOfRecompute } from '../../lib/telemetry/alerts';
import {
  configVersionOf,
  deepMerge,
  DEFAULT_POINT_CONFIG,
  effectiveConfig,
  type PointConfig,
} from '../../lib/telemetry/config';
import { checkpointsBefore, withCheckpoint } from '../../lib/telemetry/checkpoints';
import { qualityOf } from '../../lib/telemetry/quality';
import { EMPTY_POINT_STATE, processReadings, type RawReading } from '../../lib/telemetry/rules';
import { applyTotalizer, pulsesToM3 } from '../../lib/telemetry/totalizer';
import { flagInconsistentFlows, inconsistentFlowHours } from '../../lib/telemetry/window';

/** Readings one minute apart from a fixed origin (the rules never look at the wall clock). */
const ORIGIN = Date.parse('2026-05-17T14:00:00.000Z');
const at = (minute: number) => new Date(ORIGIN + minute * 60_000).toISOString();
const reading = (variable: string, minute: number, value: number, unit?: string): RawReading => ({
  variable,
  value,
  unit,
  measuredAt: at(minute),
  raw: { value },
});
const config = (overrides: Record<string, unknown> = {}): PointConfig => effectiveConfig(null, overrides).config;

/** Totals of a series fed one reading at a time through the totalizer. */
function totals(series: [number, number][], cfg = config()) {
  let state = { offset: 0 } as Parameters<typeof applyTotalizer>[0];
  return series.map(([minute, value]) => {
    const outcome = applyTotalizer(state, { value, measuredAt: at(minute) }, cfg);
    state = outcome.state;
    return { value: outcome.value, flags: outcome.flags };
  });
}

describe('effective configuration', () => {
  it('deep-merges template and overrides over the defaults; arrays replace', () => {
    const template = { variables: { level: { alertThreshold: 80, rules: ['LEVEL_MAX_RESET'] } }, maxM3PerHour: 200 };
    const overrides = { variables: { level: { resetThreshold: 85 } }, installationDepth: 120 };
    const { config: merged } = effectiveConfig(template, overrides);
    expect(merged.variables.level).toEqual({
      unit: 'm',
      min: 0,
      max: 100,
      rules: ['LEVEL_MAX_RESET'],
      alertThreshold: 80,
      resetThreshold: 85,
    });
    expect(merged.variables.flow).toEqual(DEFAULT_POINT_CONFIG.variables.flow);
    expect(merged.maxM3PerHour).toBe(200);
    expect(merged.installationDepth).toBe(120);
    expect(deepMerge({ a: { b: 1, c: 2 } }, { a: { c: 3 } })).toEqual({ a: { b: 1, c: 3 } });
  });

  it('versions by content: key order does not matter, a changed constant does', () => {
    const a = effectiveConfig({ maxM3PerHour: 200, reconnectionMinutes: 60 }, {});
    const b = effectiveConfig({ reconnectionMinutes: 60 }, { maxM3PerHour: 200 });
    expect(a.version).toBe(b.version);
    expect(a.version).toMatch(/^v-[0-9a-f]{16}$/);
    expect(effectiveConfig(null, { maxM3PerHour: 201 }).version).not.toBe(a.version);
    expect(configVersionOf(a.config)).toBe(a.version);
  });
});

describe('totalizer', () => {
  it('converts pulses per litre with the calibration factor and litres per pulse', () => {
    expect(pulsesToM3(1_000_000, { pulsesPerLitre: 1000 })).toBeCloseTo(1);
    expect(pulsesToM3(1_000_000, { pulsesPerLitre: 1000, calibrationFactor: 1.023 })).toBeCloseTo(1.023);
    expect(pulsesToM3(500_000, { pulsesPerLitre: 500 })).toBeCloseTo(1);
    expect(pulsesToM3(200, { litresPerPulse: 10 })).toBeCloseTo(2);
    const cfg = config({ variables: { total: { pulse: { pulsesPerLitre: 100 } } } });
    expect(
      totals(
        [
          [0, 100_000],
          [1, 200_000],
        ],
        cfg,
      ).map((t) => t.value),
    ).toEqual([1, 2]);
  });

  it('folds a counter reset into the offset so the total keeps growing (ZERO_TOTAL_RESET)', () => {
    // 0 < current < previous after a disconnection: a reset, not an ingestion error.
    const result = totals([
      [0, 1000],
      [1, 1001],
      [200, 5],
      [201, 6],
    ]);
    expect(result.map((t) => t.value)).toEqual([1000, 1001, 1006, 1007]);
    expect(result[2]!.flags).toEqual(['ZERO_TOTAL_RESET']);
    // A drop of less than 90% is a reset even without a disconnection (an hour: no jump either).
    expect(
      totals([
        [0, 1000],
        [60, 400],
      ]).map((t) => t.value),
    ).toEqual([1000, 1400]);
  });

  it('treats a zero, or a >90% drop without disconnection, as an ingestion error: keeps the last total', () => {
    const zero = totals([
      [0, 1000],
      [1, 0],
      [2, 1001],
    ]);
    expect(zero.map((t) => t.value)).toEqual([1000, 1000, 1001]);
    expect(zero[1]!.flags).toEqual(['ZERO_TOTAL_RESET', 'TOTAL_INGESTION_ERROR']);
    const drop = totals([
      [0, 1000],
      [1, 50],
      [2, 1002],
    ]);
    expect(drop.map((t) => t.value)).toEqual([1000, 1000, 1002]);
    expect(drop[1]!.flags).toContain('TOTAL_INGESTION_ERROR');
  });

  it('adds max − previous + current at a register rollover', () => {
    const cfg = config({ registerMax: 100_000 });
    const result = totals(
      [
        [0, 99_990],
        [1, 99_998],
        [2, 3],
      ],
      cfg,
    );
    expect(result.map((t) => t.value)).toEqual([99_990, 99_998, 100_003]);
    expect(result[2]!.flags).toEqual(['TOTAL_ROLLOVER']);
  });

  it('blocks a jump faster than the maximum m³/h, unless the gap exceeds the reconnection threshold', () => {
    // 500 m³/h allows ~8.3 m³ a minute.
    const jump = totals([
      [0, 1000],
      [1, 1100],
      [2, 1101],
    ]);
    expect(jump.map((t) => t.value)).toEqual([1000, 1000, 1000]);
    expect(jump.map((t) => t.flags)).toEqual([[], ['JUMP_BLOCKED'], ['JUMP_BLOCKED']]);
    // After 3 hours offline the catch-up counts (reconnection threshold 2 h).
    expect(
      totals([
        [0, 1000],
        [180, 1100],
      ]).map((t) => t.value),
    ).toEqual([1000, 1100]);
    expect(
      totals([
        [0, 1000],
        [60, 1400],
      ]).map((t) => t.value),
    ).toEqual([1000, 1400]);
  });

  it('a spike is blocked and costs no volume: the next reading is compared with the last accepted one', () => {
    // 2 m³ a minute (120 m³/h); one reading at minute 3 is 5,000 m³ too high, then the series goes on.
    const clean: [number, number][] = Array.from({ length: 10 }, (_, m) => [m, 1000 + 2 * m]);
    const spiked = clean.map(([m, v]): [number, number] => [m, m === 3 ? v + 5000 : v]);
    const result = totals(spiked);
    expect(result.map((t) => t.flags)).toEqual(clean.map(([m]) => (m === 3 ? ['JUMP_BLOCKED'] : [])));
    expect(result[3]!.value).toBe(1004);
    // Before and after the spike, the total is what it would have been had the spike never been served.
    expect(result.filter((_, m) => m !== 3).map((t) => t.value)).toEqual(
      totals(clean.filter(([m]) => m !== 3)).map((t) => t.value),
    );
    expect(result[9]!.value).toBe(1018);
    // Two spiked readings in a row: the reading after them is judged against minute 1, not against 9,500.
    const doubleSpike = totals([
      [0, 1000],
      [1, 1002],
      [2, 9000],
      [3, 9500],
      [4, 1008],
    ]);
    expect(doubleSpike.map((t) => t.value)).toEqual([1000, 1002, 1002, 1002, 1008]);
    expect(doubleSpike[4]!.flags).toEqual([]);
  });

  it('takes a step that persists as real once the increase since the last accepted reading is plausible', () => {
    // The counter really moved 600 m³ in a minute and goes on from there: blocked while the increase
    // since the last accepted reading is faster than 500 m³/h (or until two hours have passed), then counted.
    const series: [number, number][] = [[0, 1000]];
    for (let m = 1; m <= 125; m += 1) series.push([m, 1600 + m]);
    const result = totals(series);
    expect(result[1]!.flags).toEqual(['JUMP_BLOCKED']);
    const firstAccepted = result.findIndex((t, i) => i > 0 && t.flags.length === 0);
    expect(series[firstAccepted]![0]).toBeGreaterThan(1);
    expect(result.at(-1)!.value).toBe(1725);
  });

  it('flags a total out of range', () => {
    expect(totals([[0, 1_000_000]])[0]!.flags).toEqual(['OUT_OF_RANGE']);
  });
});

describe('processReadings', () => {
  it('rejects a level above the reset threshold (LEVEL_MAX_RESET), out of range, flags high levels, derives depth', () => {
    const cfg = config({ installationDepth: 92 });
    const { measurements } = processReadings(
      EMPTY_POINT_STATE,
      [reading('level', 0, 40), reading('level', 1, 96), reading('level', 2, -1), reading('level', 3, 91)],
      cfg,
    );
    const level = measurements.filter((m) => m.variable === 'level');
    expect(level.map((m) => [m.value, m.flags, m.quality])).toEqual([
      [40, [], 1],
      [null, ['LEVEL_MAX_RESET'], 0],
      [null, ['OUT_OF_RANGE'], 0],
      [91, ['LEVEL_HIGH'], 1],
    ]);
    const depth = measurements.filter((m) => m.variable === 'depth');
    expect(depth.map((m) => m.value)).toEqual([52, null, null, 1]);
  });

  it('converts a flow labelled m³/h, rejects one out of range, ignores unknown variables and sentinel-free input', () => {
    const { measurements } = processReadings(
      EMPTY_POINT_STATE,
      [reading('flow', 0, 36, 'm3/h'), reading('flow', 1, 2000), reading('battery', 1, 3)],
      config(),
    );
    expect(measurements.map((m) => [m.value, m.flags])).toEqual([
      [10, ['UNIT_CONVERTED']],
      [null, ['OUT_OF_RANGE']],
    ]);
  });

  it('converts every flow of a point whose configuration declares m³/h, whatever the device labels it', () => {
    const cfg = config({ variables: { flow: { unit: 'm3/h' } } });
    const { measurements } = processReadings(
      EMPTY_POINT_STATE,
      [reading('flow', 0, 36, 'l/s'), reading('flow', 1, 72)],
      cfg,
    );
    expect(measurements.map((m) => [m.value, m.flags])).toEqual([
      [10, ['UNIT_CONVERTED']],
      [20, ['UNIT_CONVERTED']],
    ]);
  });

  /** An hour of readings, a minute apart: flow in l/s and a total growing 0.6 m³ a minute (10 l/s). */
  function hour(flowFactor: number, from = 0) {
    const readings: RawReading[] = [];
    for (let m = from; m < from + 61; m++) {
      readings.push(reading('total', m, 1000 + 0.6 * m));
      readings.push(reading('flow', m, 10 * flowFactor));
      readings.push(reading('level', m, 30));
    }
    return readings;
  }

  it('FLOW_TOTAL_CONSISTENCY: a consistent hour passes, m³/h reported as l/s (3.6×) is flagged', () => {
    const ok = processReadings(EMPTY_POINT_STATE, hour(1), config());
    expect(ok.findings.find((f) => f.rule === 'FLOW_TOTAL_CONSISTENCY')).toMatchObject({ violated: false });
    const wrong = processReadings(EMPTY_POINT_STATE, hour(3.6), config());
    const finding = wrong.findings.find((f) => f.rule === 'FLOW_TOTAL_CONSISTENCY')!;
    expect(finding).toMatchObject({ violated: true, at: '2026-05-17T14:00:00.000Z' });
    expect(finding.message).toContain('m³/h reported as l/s');
  });

  it('FLOW_TOTAL_CONSISTENCY flags every flow of the hours that disagree, lowers their quality, and the alert names them', () => {
    // Hour 14:00 in m³/h labelled l/s, hour 15:00 right, hour 16:00 wrong again, closed by a reading at 17:00.
    const readings = [...hour(3.6), ...hour(1, 61).filter((r) => r.measuredAt !== at(120)), ...hour(3.6, 120)];
    readings.push(reading('total', 180, 1000 + 0.6 * 180));
    const result = processReadings(EMPTY_POINT_STATE, readings, config());
    const hours = inconsistentFlowHours(result.findings);
    expect(hours).toEqual(['2026-05-17T14:00:00.000Z', '2026-05-17T16:00:00.000Z']);
    const flows = flagInconsistentFlows(result.measurements, hours).filter((m) => m.variable === 'flow');
    const flaggedAt = (m: (typeof flows)[number]) => m.flags.includes('FLOW_TOTAL_CONSISTENCY');
    const inHour = (m: (typeof flows)[number], h: number) => m.measuredAt.slice(11, 13) === String(h);
    expect(flows.filter((m) => inHour(m, 14)).every(flaggedAt)).toBe(true);
    expect(flows.filter((m) => inHour(m, 16)).every(flaggedAt)).toBe(true);
    expect(flows.filter((m) => inHour(m, 15)).some(flaggedAt)).toBe(false);
    expect(new Set(flows.filter(flaggedAt).map((m) => m.quality))).toEqual(new Set([0.3]));
    expect(flows.filter((m) => inHour(m, 15)).every((m) => m.quality === 1)).toBe(true);
    const alert = alertConditions(result).find((c) => c.rule === 'FLOW_TOTAL_CONSISTENCY')!;
    expect(alert).toMatchObject({ count: 2, firstAt: hours[0], lastAt: hours[1] });
    expect(alert.message).toContain('(hours 2026-05-17 14:00, 16:00 UTC)');
  });

  it('LEVEL_ACCUMULATED_CONSISTENCY: the level falls while the total stands still; a well recovering is fine', () => {
    const hourOfLevels = (level: (minute: number) => number, totalPerMinute = 0) => {
      const readings: RawReading[] = [];
      for (let m = 0; m < 61; m++) {
        readings.push(reading('total', m, 1000 + totalPerMinute * m));
        readings.push(reading('level', m, level(m)));
      }
      return processReadings(EMPTY_POINT_STATE, readings, config()).findings.find(
        (f) => f.rule === 'LEVEL_ACCUMULATED_CONSISTENCY',
      );
    };
    // The pump stopped: the level recovers 10 m in the hour while the total stays flat.
    expect(hourOfLevels((m) => 20 + m / 6)).toMatchObject({ violated: false });
    // The level falls 10 m with nothing extracted: suspicious.
    const falling = hourOfLevels((m) => 30 - m / 6);
    expect(falling).toMatchObject({ violated: true });
    expect(falling!.message).toContain('level fell 9.83 m');
    // Down 8 m and back up within the hour: the fall counts, not the net change.
    expect(hourOfLevels((m) => 30 - 8 * Math.sin((Math.PI * m) / 60))).toMatchObject({ violated: true });
    // Falling while the pump runs (drawdown) is physics too.
    expect(hourOfLevels((m) => 30 - m / 6, 0.6)).toMatchObject({ violated: false });
  });

  it('gives the same measurements and state whether readings come in one batch or many', () => {
    const readings = [
      ...hour(3.6),
      reading('total', 70, 0),
      reading('total', 75, 5000),
      reading('level', 80, 97),
      ...hour(1, 120),
    ];
    const whole = processReadings(EMPTY_POINT_STATE, readings, config());
    let state = EMPTY_POINT_STATE;
    const pieces: typeof whole.measurements = [];
    const findings: typeof whole.findings = [];
    for (let i = 0; i < readings.length; i += 17) {
      const part = processReadings(state, readings.slice(i, i + 17), config());
      pieces.push(...part.measurements);
      findings.push(...part.findings);
      state = part.state;
    }
    expect(pieces).toEqual(whole.measurements);
    expect(findings).toEqual(whole.findings);
    expect(state).toEqual(whole.state);
  });
});

describe('quality and alerts', () => {
  it('scores by the worst flag; a rejected reading scores 0', () => {
    expect(qualityOf(1, [])).toBe(1);
    expect(qualityOf(1, ['ZERO_TOTAL_RESET', 'JUMP_BLOCKED'])).toBe(0.2);
    expect(qualityOf(null, [])).toBe(0);
  });

  it('raises a condition while flagged and clears it when the newest reading is clean', () => {
    const cfg = config();
    const raised = alertConditions(
      processReadings(EMPTY_POINT_STATE, [reading('level', 0, 91), reading('level', 1, 92)], cfg),
    ).find((c) => c.rule === 'LEVEL_HIGH')!;
    expect(raised).toMatchObject({ variable: 'level', count: 2, active: true, firstAt: at(0), lastAt: at(1) });
    const cleared = alertConditions(
      processReadings(EMPTY_POINT_STATE, [reading('level', 2, 91), reading('level', 3, 50)], cfg),
    ).find((c) => c.rule === 'LEVEL_HIGH')!;
    expect(cleared).toMatchObject({ count: 1, active: false });
  });

  it('after late readings, counts only what the poll brought; whether it holds comes from the newest reading', () => {
    // Minute 2 arrived late; minutes 0, 1 and 3 were processed (and alerted on) before.
    const recomputed = processReadings(
      EMPTY_POINT_STATE,
      [reading('level', 0, 91), reading('level', 1, 92), reading('level', 2, 93), reading('level', 3, 94)],
      config(),
    );
    const conditions = alertConditionsOfRecompute(recomputed, (m) => m.measuredAt === at(2), at(2));
    expect(conditions.find((c) => c.rule === 'LEVEL_HIGH')).toMatchObject({
      count: 1,
      firstAt: at(2),
      lastAt: at(2),
      active: true,
    });
    // A late clean reading does not clear an alert the newest reading still raises.
    const withCleanLate = processReadings(
      EMPTY_POINT_STATE,
      [reading('level', 0, 91), reading('level', 1, 50), reading('level', 2, 92)],
      config(),
    );
    expect(
      alertConditionsOfRecompute(withCleanLate, (m) => m.measuredAt === at(1), at(1)).find(
        (c) => c.rule === 'LEVEL_HIGH',
      ),
    ).toMatchObject({ count: 0, active: true });
  });
});

describe('state checkpoints', () => {
  const state = (offset: number) => ({ total: { offset } });
  const HOURS = 3_600_000;

  it('adds about one an hour and keeps the overlap covered, with one before it', () => {
    let list = withCheckpoint([], at(0), state(0), 2 * HOURS);
    list = withCheckpoint(list, at(30), state(1), 2 * HOURS); // less than an hour later: not added
    expect(list.map((c) => c.at)).toEqual([at(0)]);
    for (const minute of [60, 120, 180, 240]) list = withCheckpoint(list, at(minute), state(minute), 2 * HOURS);
    // At 240 the overlap starts at 120: 60 is the newest before it, 0 is gone.
    expect(list.map((c) => c.at)).toEqual([at(60), at(120), at(180), at(240)]);
  });

  it('a late reading at or before a checkpoint leaves only the ones before it', () => {
    const list = [0, 60, 120].map((minute) => ({ at: at(minute), state: state(minute) }));
    expect(checkpointsBefore(list, at(60)).map((c) => c.at)).toEqual([at(0)]);
    expect(checkpointsBefore(list, at(61)).map((c) => c.at)).toEqual([at(0), at(60)]);
    expect(checkpointsBefore(list, at(0))).toEqual([]);
  });
});
