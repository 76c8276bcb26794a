/**
 * The old service's merge rule as a pure function, the specification the SQL in
 * `activities/cv/merge.ts` implements (and is tested against).
 */
export interface MergeInput {
  recordId: number;
  actionId: number;
  dataId: string;
  dataName: string | null;
}

export interface MergedName {
  recordId: number;
  dataName: string | null;
  /** The reference event the name came from; null when the event kept its own (or found none). */
  nameFromRecordId: number | null;
}

const isEmpty = (name: string | null) => name === null || name === '';

/**
 * `dataId → (dataName, recordId)` of the latest reference event (highest recordId) per dataId;
 * targets with an empty name take it, non-empty names are kept.
 */
export function mergeNames(
  events: readonly MergeInput[],
  pair: { targetActionId: number; referenceActionId: number },
): MergedName[] {
  const latest = new Map<string, MergeInput>();
  for (const event of events) {
    if (event.actionId !== pair.referenceActionId) continue;
    const known = latest.get(event.dataId);
    if (!known || known.recordId < event.recordId) latest.set(event.dataId, event);
  }
  return events
    .filter((event) => event.actionId === pair.targetActionId)
    .map((event) => {
      const reference = latest.get(event.dataId);
      if (!isEmpty(event.dataName) || !reference || isEmpty(reference.dataName)) {
        return { recordId: event.recordId, dataName: event.dataName, nameFromRecordId: null };
      }
      return { recordId: event.recordId, dataName: reference.dataName, nameFromRecordId: reference.recordId };
    });
}
