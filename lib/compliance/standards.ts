/**
 * The standards a configuration follows and the kinds of DGA work (schemas/0011_compliance.sql).
 * Pure data: safe in workflows.
 */
export const STANDARDS = ['MAYOR', 'MEDIO', 'MENOR', 'CAUDALES_MUY_PEQUENOS', 'SMA'] as const;
export type Standard = (typeof STANDARDS)[number];

/** Menor and Caudales Muy Pequeños go through the DGA's web form: listed, never sent. */
export const MANUAL_STANDARDS: readonly Standard[] = ['MENOR', 'CAUDALES_MUY_PEQUENOS'];

export const WORK_KINDS = ['SUBTERRANEA', 'SUPERFICIAL_FLUJOMETRO', 'SUPERFICIAL'] as const;
export type WorkKind = (typeof WORK_KINDS)[number];

export type Source = 'DGA' | 'SMA';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The reporting period of a standard, or undefined for a manual one (no slots). */
export function slotPeriodMs(standard: Standard): number | undefined {
  switch (standard) {
    case 'MAYOR':
    case 'SMA':
      return HOUR_MS;
    case 'MEDIO':
      return DAY_MS;
    case 'MENOR':
    case 'CAUDALES_MUY_PEQUENOS':
      return undefined;
  }
}
