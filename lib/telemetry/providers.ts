/** The six telemetry providers and the wire protocol each speaks. */
export const PROVIDERS = ['twin', 'nettra', 'novus', 'tago', 'tdata', 'thingsio'] as const;
export type Provider = (typeof PROVIDERS)[number];

export type Protocol = 'thingsboard' | 'thethingsio' | 'tago';

export const PROTOCOL_OF: Record<Provider, Protocol> = {
  twin: 'thingsboard',
  tdata: 'thingsboard',
  thingsio: 'thethingsio',
  nettra: 'thethingsio',
  novus: 'thethingsio',
  tago: 'tago',
};

export const FREQUENCIES = [1, 5, 60] as const;
export type Frequency = (typeof FREQUENCIES)[number];

export const POINT_TYPES = ['WELL', 'RIVER', 'LAKE', 'RESERVOIR', 'SPRING', 'DRAIN'] as const;
export const POINT_STATUSES = ['ACTIVE', 'INACTIVE', 'MAINTENANCE', 'ERROR', 'OFFLINE'] as const;

/** Novus loggers report this for a disconnected input: not a measurement. */
export const NOVUS_SENTINEL = -3200;
