import type { PointState } from './rules';

/**
 * Checkpoints of a point's rule state, so a poll that brings late readings recomputes from the
 * state just before them without replaying every raw reading kept (and without losing what the
 * state carries from readings the cleanup or a retention policy already dropped: a counter offset,
 * the last good total). A checkpoint is the state after every reading up to `at`; a late reading
 * at or before `at` makes it wrong, so a recomputation from `from` keeps only those before `from`.
 */
export interface StateCheckpoint {
  /** The newest reading time the state covers (ISO). */
  at: string;
  state: PointState;
}

const HOUR = 3_600_000;

/** The checkpoints a late reading at `from` leaves valid (oldest first, as stored). */
export function checkpointsBefore(list: readonly StateCheckpoint[], from: string): StateCheckpoint[] {
  const fromMs = Date.parse(from);
  return list.filter((checkpoint) => Date.parse(checkpoint.at) < fromMs);
}

/**
 * After a poll: the state at `at` is added when the newest checkpoint is an hour older or more
 * (about one a hour, whatever the frequency); checkpoints older than `keepMs` before `at` go,
 * except the newest of them, so any time within `keepMs` (the late-readings overlap) has one before it.
 */
export function withCheckpoint(
  list: readonly StateCheckpoint[],
  at: string,
  state: PointState,
  keepMs: number,
): StateCheckpoint[] {
  const atMs = Date.parse(at);
  const newest = list.at(-1);
  const next = !newest || atMs - Date.parse(newest.at) >= HOUR ? [...list, { at, state }] : [...list];
  const horizon = atMs - keepMs;
  const older = next.filter((checkpoint) => Date.parse(checkpoint.at) < horizon);
  return [...older.slice(-1), ...next.filter((checkpoint) => Date.parse(checkpoint.at) >= horizon)];
}
