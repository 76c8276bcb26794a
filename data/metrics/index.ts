/**
 * The metrics family's data module: the calculated metrics, the events' retention, and the
 * formulas (one statement each over the source tables) for its activities and its API.
 */
export * from './calculated';
export * from './events';
export { DAILY_FORMULAS } from './formulas/daily';
export { WEEKLY_FORMULAS } from './formulas/weekly';
