/**
 * The SuspiciousDeletion rule: an upstream that comes back empty (a failed export, a truncated
 * table) must not empty the dashboard. Unless the run is forced, a merge deletes nothing and
 * fails when the window came back empty while the target has rows there, or when it would
 * delete more than MAX_DELETE_SHARE of the window's target rows.
 */
export const MAX_DELETE_SHARE = 0.5;

export interface DeletionCheck {
  stagedRows: number;
  targetRowsInWindow: number;
  rowsToDelete: number;
  force: boolean;
}

/** The reason the deletions are suspicious, or null when the merge may go ahead. */
export function suspiciousDeletion({ stagedRows, targetRowsInWindow, rowsToDelete, force }: DeletionCheck) {
  if (force || rowsToDelete === 0) return null;
  if (stagedRows === 0 && targetRowsInWindow > 0) {
    return `the source returned no rows for a window where the target has ${targetRowsInWindow}`;
  }
  if (rowsToDelete > MAX_DELETE_SHARE * targetRowsInWindow) {
    return `the merge would delete ${rowsToDelete} of the window's ${targetRowsInWindow} rows (more than ${MAX_DELETE_SHARE * 100}%)`;
  }
  return null;
}
