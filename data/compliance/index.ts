/**
 * The compliance family's data module: every statement on its tables, as named functions taking
 * the database or a transaction's client. Each table is written by one file: `configs.ts`
 * (compliance_configs), `slots.ts` (compliance_submissions), `attempts.ts` (compliance_attempts),
 * `reports.ts` (compliance_reports). Transactions stay with their callers.
 */
export * from './attempts';
export * from './config-views';
export * from './configs';
export * from './ledger';
export * from './reports';
export * from './slots';
