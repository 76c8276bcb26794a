export { etlTable, type EtlTableInput, type EtlTableResult } from './table';
export { etlDashboard, type EtlDashboardInput, type EtlDashboardResult } from './dashboard';
export { etlRetention } from './retention';
