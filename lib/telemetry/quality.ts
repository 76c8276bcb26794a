import type { TotalFlag } from './totalizer';

/** Every flag a measurement can carry; the old service's rule names stay as they are. */
export type Flag =
  | TotalFlag
  | 'LEVEL_MAX_RESET'
  | 'LEVEL_HIGH'
  | 'FLOW_LOW'
  | 'UNIT_CONVERTED'
  /** A flow of an hour whose mean disagrees with the totalizer's increase (set once the hour closes). */
  | 'FLOW_TOTAL_CONSISTENCY';

/** The score a measurement keeps with each flag; the lowest wins. */
const SCORE: Record<Flag, number> = {
  TOTAL_INGESTION_ERROR: 0.1,
  TOTAL_DROP: 0.1,
  JUMP_BLOCKED: 0.2,
  FLOW_TOTAL_CONSISTENCY: 0.3,
  OUT_OF_RANGE: 0.5,
  LEVEL_MAX_RESET: 0.5,
  ZERO_TOTAL_RESET: 0.9,
  TOTAL_ROLLOVER: 0.9,
  UNIT_CONVERTED: 0.95,
  LEVEL_HIGH: 1,
  FLOW_LOW: 1,
};

/** 1 for a clean reading, 0 for a rejected one (no value), otherwise the worst flag's score. */
export function qualityOf(value: number | null, flags: readonly Flag[]): number {
  if (value === null) return 0;
  return flags.reduce((score, flag) => Math.min(score, SCORE[flag]), 1);
}
