import type { PointConfig, PulseConstants } from './config';

/**
 * The totalizer rules (the providers' meter conventions and the `ZERO_TOTAL_RESET` rule),
 * in this order (sentinels are dropped by the adapters before): a zero or a >90% drop is an
 * ingestion error; a fall at the register's top is a rollover; any other fall is a counter reset;
 * then the jump guard on the increase those corrections give. Every comparison is with the last
 * *accepted* reading: a refused one (ingestion error, blocked jump) changes nothing, so a transient
 * spike costs no volume. "Disconnected" is measured from that accepted reading too, so a step that
 * persists past `reconnectionMinutes` is taken as real rather than blocked for ever.
 */

export interface TotalState {
  /** The last accepted counter reading, in m³ (after pulse conversion). */
  lastCounter?: number;
  /** What earlier resets and rollovers add to the counter. */
  offset: number;
  /** The last accepted total (counter + offset). */
  lastTotal?: number;
  lastAt?: string;
}

export type TotalFlag =
  'ZERO_TOTAL_RESET' | 'TOTAL_ROLLOVER' | 'TOTAL_INGESTION_ERROR' | 'TOTAL_DROP' | 'JUMP_BLOCKED' | 'OUT_OF_RANGE';

export interface TotalOutcome {
  /** The total to store: the new one, or the last good one when the reading is refused. */
  value: number | null;
  flags: TotalFlag[];
  /** False when the reading was refused: the state is the previous one, untouched. */
  accepted: boolean;
  state: TotalState;
}

export function pulsesToM3(pulses: number, pulse: PulseConstants): number {
  const factor = pulse.calibrationFactor ?? 1;
  if (pulse.pulsesPerLitre) return (pulses * factor) / (pulse.pulsesPerLitre * 1000);
  if (pulse.litresPerPulse) return (pulses * pulse.litresPerPulse * factor) / 1000;
  return pulses;
}

const MINUTE = 60_000;

export function applyTotalizer(
  previous: TotalState,
  reading: { value: number; measuredAt: string },
  config: PointConfig,
): TotalOutcome {
  const settings = config.variables.total;
  const counter = settings.pulse ? pulsesToM3(reading.value, settings.pulse) : reading.value;
  const at = reading.measuredAt;
  const withRange = (outcome: TotalOutcome): TotalOutcome => {
    if (outcome.value !== null && (outcome.value < settings.min || outcome.value > settings.max))
      outcome.flags.push('OUT_OF_RANGE');
    return outcome;
  };
  if (previous.lastCounter === undefined || previous.lastTotal === undefined || previous.lastAt === undefined) {
    const total = previous.offset + counter;
    return withRange({
      value: total,
      flags: [],
      accepted: true,
      state: { ...previous, lastCounter: counter, lastTotal: total, lastAt: at },
    });
  }
  const { lastCounter, lastTotal } = previous;
  const gapMinutes = (Date.parse(at) - Date.parse(previous.lastAt)) / MINUTE;
  const disconnected = gapMinutes > config.reconnectionMinutes;
  const refuse = (...flags: TotalFlag[]): TotalOutcome => ({
    value: lastTotal,
    flags,
    accepted: false,
    state: previous,
  });

  let offset = previous.offset;
  const flags: TotalFlag[] = [];
  if (counter === 0 && lastCounter > 0) return refuse('ZERO_TOTAL_RESET', 'TOTAL_INGESTION_ERROR');
  if (counter < lastCounter) {
    const max = config.registerMax;
    if (max && lastCounter >= 0.9 * max && counter <= 0.1 * max) {
      // The register wrapped: the increase is max − previous + current.
      offset += max;
      flags.push('TOTAL_ROLLOVER');
    } else if (counter < 0.1 * lastCounter && !disconnected) {
      return refuse('TOTAL_DROP', 'TOTAL_INGESTION_ERROR');
    } else {
      // A counter reset: the offset grows by the previous reading so the total keeps growing.
      offset += lastCounter;
      flags.push('ZERO_TOTAL_RESET');
    }
  }
  const total = offset + counter;
  // The guard judges the corrected increase (after rollover and reset) against the last accepted
  // reading; a blocked reading is refused whole, so it never becomes the next reading's baseline.
  const increase = total - lastTotal;
  const hours = Math.max(gapMinutes, 1) / 60;
  if (increase / hours > config.maxM3PerHour && !disconnected) return refuse('JUMP_BLOCKED');
  return withRange({
    value: total,
    flags,
    accepted: true,
    state: { lastCounter: counter, offset, lastTotal: total, lastAt: at },
  });
}
