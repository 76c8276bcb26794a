import type { Provider } from '../../../lib/telemetry/providers';
import { hash32 } from '../cv/generator';

/**
 * The provider simulators' meters, a pure function of (seed, device, minute): nothing is stored,
 * so any window can be served and a test can ask what a device reported. Each device follows a
 * profile (by its index) that exercises the processing rules the way real meters do.
 */

export const PROFILES = ['clean', 'reset', 'glitch', 'wrong-unit', 'level', 'rollover'] as const;
export type Profile = (typeof PROFILES)[number];

export interface SimDevice {
  provider: Provider;
  index: number;
  deviceId: string;
  /** The device token (thethings.io thing token, TagoIO device token). */
  token: string;
  profile: Profile;
}

/** Register size of the `rollover` devices (their points set `registerMax` to it). */
export const ROLLOVER_MAX = 100;
/** `tdata` totals are pulses at this many per litre (their points set the pulse constant). */
export const TDATA_PULSES_PER_LITRE = 10;
/** Minutes of the reset devices' day: offline for the last 150 of every 720, then the counter restarts. */
const RESET_PERIOD = 720;
const RESET_OUTAGE = 150;

export function simDevice(provider: Provider, index: number): SimDevice {
  return {
    provider,
    index,
    deviceId: `${provider}-${index + 1}`,
    token: `${provider}-token-${index + 1}`,
    profile: PROFILES[index % PROFILES.length]!,
  };
}

export interface MeterReading {
  flow: number;
  total: number;
  level: number;
}

const providerSalt = (provider: string) => [...provider].reduce((sum, char) => sum * 31 + char.charCodeAt(0), 7) >>> 0;
const unit = (seed: number, device: SimDevice, minute: number, salt: number) =>
  hash32(seed ^ providerSalt(device.provider), device.index * 1_000_003 + minute, salt) / 2 ** 32;
const round3 = (value: number) => Math.round(value * 1000) / 1000;

/** The device's rate in m³ a minute (0.3..0.8, i.e. 5..13 l/s). */
export const rateOf = (seed: number, device: SimDevice) => 0.3 + unit(seed, device, 0, 1) * 0.5;

/** What the device measured at an epoch minute, or null when it was offline. */
export function meterAt(seed: number, device: SimDevice, minute: number): MeterReading | null {
  const rate = rateOf(seed, device);
  const base = 1000 + Math.floor(unit(seed, device, 0, 2) * 1000);
  const noise = (salt: number) => unit(seed, device, minute, salt) - 0.5;
  const trueFlow = (rate * 1000) / 60;
  let flow = trueFlow * (1 + 0.02 * noise(3));
  let level = 30 + 5 * Math.sin((2 * Math.PI * minute) / 1440) + 0.2 * noise(4);
  // A long-running counter, kept inside the totalizer's range.
  let total = base + rate * (minute % 1_000_000);
  switch (device.profile) {
    case 'reset': {
      const position = minute % RESET_PERIOD;
      if (position >= RESET_PERIOD - RESET_OUTAGE) return null;
      total = 1 + rate * position;
      break;
    }
    case 'glitch':
      if (minute % 97 === 0) total = 0;
      else total += 300 * Math.floor((minute % 13_100) / 131);
      break;
    case 'wrong-unit':
      // m³/h reported as l/s: 3.6× the true flow.
      flow *= 3.6;
      break;
    case 'level':
      level = 85 + 8 * Math.sin((2 * Math.PI * minute) / 240) + 0.2 * noise(4);
      if (minute % 53 === 0) level = 97;
      else if (minute % 89 === 0) level = -1;
      break;
    case 'rollover':
      total = (base + rate * minute) % ROLLOVER_MAX;
      break;
    case 'clean':
      break;
  }
  return { flow: round3(flow), total: round3(total), level: round3(level) };
}

/** A provider's own quirks on top of the meter: sentinels, status codes, pulses. */
export function servedValue(
  seed: number,
  device: SimDevice,
  minute: number,
  variable: keyof MeterReading,
  reading: MeterReading,
): number {
  if (device.provider === 'novus' && variable === 'level' && minute % 41 === 0) return -3200;
  if (device.provider === 'tago' && variable === 'flow' && minute % 37 === 0)
    return -1 - Math.floor(unit(seed, device, minute, 9) * 5);
  if (device.provider === 'tdata' && variable === 'total')
    return Math.round(reading.total * 1000 * TDATA_PULSES_PER_LITRE);
  return reading[variable];
}
