export { complianceConfig } from './config';
export { complianceSlot } from './slot';
export { complianceEnsureWorkflows, complianceVerifySweep } from './maintenance';
export { complianceDailyReport } from './report';
