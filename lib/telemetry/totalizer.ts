import type { PointConfig, PulseConstants } from './config';

/**
 * The totalizer rules (contracts/providers.md "Meter conventions", seed 002 `ZERO_TOTAL_RESET`):
 * pulse conversion, counter resets and rollovers folded into an offset so the total keeps
 * growing, zeros and >90% drops treated as ingestion errors, and the jump guard.
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
  /** False when the reading was refused (the state keeps the previous counter). */
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
  let total = offset + counter;
  const increase = total - lastTotal;
  const hours = Math.max(gapMinutes, 1) / 60;
  if (increase / hours > config.maxM3PerHour && !disconnected) {
    // Blocked: the counter moves on, the jump does not count.
    offset -= increase;
    total = lastTotal;
    flags.push('JUMP_BLOCKED');
  }
  return withRange({
    value: total,
    flags,
    accepted: true,
    state: { lastCounter: counter, offset, lastTotal: total, lastAt: at },
  });
}
