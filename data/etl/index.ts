/**
 * The ETL's data module: every statement on its own tables (execution log, watermarks,
 * checkpoints, staging, rejects) and on the targets it loads, for its activities and its API.
 */
export * from './reads';
export * from './run-log';
export * from './staging';
export * from './storage';
export * from './targets';
export * from './watermarks';
