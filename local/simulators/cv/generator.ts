/**
 * The CV simulator's events, a pure function of (seed, index): nothing is stored, so any volume
 * can be served, and a test can ask which events exist and which of them are invalid.
 * Index 0 is the oldest event; recordIds increase with the index, with gaps.
 */
export interface GeneratorOptions {
  seed: number;
  /** Share of events served malformed (0..1). @default 0.01 */
  invalidRate?: number;
  /** Instant of index 0 (ms) and the spacing between events. */
  startMs: number;
  stepMs: number;
}

/** A 32-bit hash of the seed, an index and a salt (murmur3's finaliser): the simulator's only randomness. */
export function hash32(seed: number, index: number, salt: number): number {
  let h = (seed ^ Math.imul(index, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

const unit = (seed: number, index: number, salt: number) => hash32(seed, index, salt) / 2 ** 32;

/** Weighted action ids: the six merge pairs' references and targets, and a few others. */
const ACTIONS: [number, number][] = [
  [7, 20],
  [8, 20],
  [5, 8],
  [6, 8],
  [16, 6],
  [17, 5],
  [18, 3],
  [13, 8],
  [14, 6],
  [15, 5],
  [1, 4],
  [99, 3],
];
const ACTION_WEIGHT = ACTIONS.reduce((sum, [, weight]) => sum + weight, 0);
const REFERENCE_ACTIONS = new Set([7, 5, 16, 13]);
const TARGET_ACTIONS = new Set([8, 6, 17, 18, 14, 15]);
const CHANNELS = [
  'Canal 13',
  'TVN',
  'Mega',
  'Chilevisión',
  'La Red',
  'CNN Chile',
  'ESPN',
  'HBO',
  'Discovery',
  'TNT Sports',
  'Cartoon Network',
  'Fox',
  'National Geographic',
  'T13 Móvil',
  '24 Horas',
  'Warner',
  'Disney',
  'History',
  'AXN',
  'Sony',
];

export const recordIdOf = (index: number) => 1000 + index * 3 + (index % 3);

function pickAction(seed: number, index: number): number {
  let roll = unit(seed, index, 1) * ACTION_WEIGHT;
  for (const [action, weight] of ACTIONS) {
    roll -= weight;
    if (roll < 0) return action;
  }
  return 99;
}

/** ISO-8601 in the platform's -03:00 offset, as the contract's example. */
function isoMinus3(ms: number): string {
  return new Date(ms - 3 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, '-03:00');
}

export function isInvalid(options: GeneratorOptions, index: number): boolean {
  return unit(options.seed, index, 9) < (options.invalidRate ?? 0.01);
}

/** The event at `index`, exactly as the simulator serves it. */
export function eventAt(options: GeneratorOptions, index: number): unknown {
  const { seed } = options;
  const actionId = pickAction(seed, index);
  const channel = hash32(seed, index, 2) % CHANNELS.length;
  const name = CHANNELS[channel]!;
  const ms = options.startMs + index * options.stepMs;
  let dataName: string | null = null;
  if (REFERENCE_ACTIONS.has(actionId)) dataName = unit(seed, index, 3) < 0.03 ? '' : name;
  else if (TARGET_ACTIONS.has(actionId)) {
    const roll = unit(seed, index, 3);
    dataName = roll < 0.5 ? '' : roll < 0.7 ? null : name;
  } else dataName = unit(seed, index, 3) < 0.5 ? name : '';
  const event: Record<string, unknown> = {
    recordId: recordIdOf(index),
    actionId,
    dataId: `ch-${channel}`,
    dataName,
    timestamp: unit(seed, index, 4) < 0.3 ? ms : isoMinus3(ms),
    duration: TARGET_ACTIONS.has(actionId) ? Math.round(30 + unit(seed, index, 5) * 7200) : null,
    subscriberId: `sub-${hash32(seed, index, 6) % 5000}`,
    deviceId: `stb-${hash32(seed, index, 7) % 8000}`,
  };
  if (unit(seed, index, 8) < 0.05) event.firmware = `4.${hash32(seed, index, 10) % 9}.0`;
  if (!isInvalid(options, index)) return event;
  // One of the ways a real event goes wrong; each is invalid under the contract.
  switch (hash32(seed, index, 11) % 7) {
    case 0:
      return { ...event, timestamp: 'not-a-date' };
    case 1:
      return { ...event, duration: -5 };
    case 2:
      return { ...event, actionId: 'eight' };
    case 3: {
      const { recordId: _dropped, ...rest } = event;
      return rest;
    }
    case 4:
      return `garbage-${index}`;
    case 5: {
      const { dataId: _dropped, ...rest } = event;
      return rest;
    }
    default:
      return { ...event, timestamp: isoMinus3(ms).replace('-03:00', '') };
  }
}
