import { usableRecordId } from './event';

/**
 * The newest-first walk of one load, as pure decisions over pages (the activity fetches, stores
 * and commits each decision's segment with the page's rows, in one transaction).
 *
 * A load covers the recordIds in (floor, top]: floor is the high watermark when it started (0 on
 * the first load), top the newest recordId it saw on its first page. Everything in [low, top]
 * above floor is stored; the walk continues at `nextOffset`. New events arriving at the top
 * only push older ones to higher offsets, so fetching the old `nextOffset` again can only
 * re-read events already stored (skipped by ON CONFLICT), never jump over one.
 */
export interface Segment {
  top: number;
  floor: number;
  /** Lowest recordId stored by this load so far; null before the first page. */
  low: number | null;
  nextOffset: number;
  /** The listing's `total` when `nextOffset` was computed. */
  total: number;
}

export interface Page {
  offset: number;
  total: number;
  items: unknown[];
}

export interface PageDecision {
  /** The items of this page the load must validate and store (or reject). */
  toProcess: unknown[];
  segment: Segment;
  /** True when the walk reached its floor or the end of the listing: the watermark may move to `top`. */
  done: boolean;
}

const recordIdOf = (item: unknown) => usableRecordId((item as { recordId?: unknown } | null)?.recordId);

/**
 * The segment a load starts from its first page (offset 0), or null when nothing is newer than the
 * watermark. Items without a usable recordId at the top of the listing (above the first one at or
 * below the watermark) are new too: they start a segment whose top is the watermark itself, so the
 * load rejects them now (its walk then stops at the floor, the watermark unchanged), rather than
 * leaving them until a valid event arrives above them.
 */
export function startSegment(highWatermark: number, firstPage: Page): Segment | null {
  let top = 0;
  for (const item of firstPage.items) top = Math.max(top, recordIdOf(item) ?? 0);
  const leadingWithoutId = firstPage.items.length > 0 && recordIdOf(firstPage.items[0]) === null;
  if (top <= highWatermark && !leadingWithoutId) return null;
  return { top: Math.max(top, highWatermark), floor: highWatermark, low: null, nextOffset: 0, total: firstPage.total };
}

/**
 * Where to fetch next. If the listing shrank (not in the contract, but cheap to survive), step
 * back by as much, so no event is skipped.
 */
export function offsetToFetch(segment: Segment, currentTotal?: number): number {
  if (currentTotal !== undefined && currentTotal < segment.total)
    return Math.max(0, segment.nextOffset - (segment.total - currentTotal));
  return segment.nextOffset;
}

export function planPage(segment: Segment, page: Page): PageDecision {
  const toProcess: unknown[] = [];
  let { top, low } = segment;
  let reachedFloor = false;
  for (const item of page.items) {
    const recordId = recordIdOf(item);
    if (recordId !== null && recordId <= segment.floor) {
      // Newest first: this and everything after it was stored by an earlier load.
      reachedFloor = true;
      break;
    }
    if (recordId !== null && recordId > top) {
      // A segment started by items without a recordId has seen no event yet (top = floor): the
      // first one it meets, below them, is the newest of the load.
      if (top === segment.floor) top = recordId;
      // Newer than this load's top: arrived while it paged; the next load takes it.
      else continue;
    }
    toProcess.push(item);
    if (recordId !== null) low = low === null ? recordId : Math.min(low, recordId);
  }
  // Judged by the listing's total, not by a short page: a server answering fewer items than asked
  // in the middle of the listing must not end the load (and move the watermark) early.
  const endOfListing = page.items.length === 0 || page.offset + page.items.length >= page.total;
  return {
    toProcess,
    segment: { ...segment, top, low, nextOffset: page.offset + page.items.length, total: page.total },
    done: reachedFloor || endOfListing,
  };
}
