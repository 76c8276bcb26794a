/**
 * The six merge pairs: a target action
 * takes its empty `dataName` from the latest reference event of the same `dataId`.
 */
export const CATEGORIES = {
  ott: { targetActionId: 8, referenceActionId: 7, table: 'cv_merged_ott', seedTable: 'MergedTelemetricOTT' },
  dvb: { targetActionId: 6, referenceActionId: 5, table: 'cv_merged_dvb', seedTable: 'MergedTelemetricDVB' },
  stop_catchup: {
    targetActionId: 17,
    referenceActionId: 16,
    table: 'cv_merged_stop_catchup',
    seedTable: 'MergedTelemetricStopCatchup',
  },
  end_catchup: {
    targetActionId: 18,
    referenceActionId: 16,
    table: 'cv_merged_end_catchup',
    seedTable: 'MergedTelemetricEndCatchup',
  },
  stop_vod: {
    targetActionId: 14,
    referenceActionId: 13,
    table: 'cv_merged_stop_vod',
    seedTable: 'MergedTelemetricStopVOD',
  },
  end_vod: {
    targetActionId: 15,
    referenceActionId: 13,
    table: 'cv_merged_end_vod',
    seedTable: 'MergedTelemetricEndVOD',
  },
} as const;

export type Category = keyof typeof CATEGORIES;
export const CATEGORY_NAMES = Object.keys(CATEGORIES) as Category[];
