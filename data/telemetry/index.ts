/** Every statement on the telemetry tables (schemas/0006–0010): reads for the API, writes for the activities. */
export * from './alerts';
export * from './health';
export * from './measurements';
export * from './points';
export * from './progress';
export * from './readings';
export * from './summary';
export * from './templates';
