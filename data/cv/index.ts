/** Every statement on the CV tables (schemas/0003_cv.sql): writes for the activities, reads for the API. */
export * from './events';
export * from './ingest-state';
export * from './lock';
export * from './merge';
export * from './rollups';
export * from './status';
