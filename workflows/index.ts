// The workflow bundle's entry: every workflow of every family, whatever task queue serves it. The
// exported names are the workflow types Temporal registers.
export * from './platform';
export * from './metrics';
export * from './cv';
export * from './etl';
export * from './telemetry';
export * from './compliance';
