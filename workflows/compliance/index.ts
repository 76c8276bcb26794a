export { complianceSender } from './sender';
export { complianceSlot } from './slot';
export { complianceEnsureSender, complianceVerifySweep } from './maintenance';
export { complianceDailyReport } from './report';
