/** The platform's data module: the statements on its own tables. */
export * from './canary';
