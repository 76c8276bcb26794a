-- Up Migration

-- The compliance sender (issue 11): one workflow sends every work's due slots in batches, and the
-- work's own row keeps where its sending stands, so nothing of it lives only in workflow memory.
-- `next_plan_at`: when the work is worth planning again (its next send, slot, or data recheck);
-- '-infinity' = now (a new or changed configuration), 'infinity' = never (stopped, blocked).
ALTER TABLE compliance_configs ADD COLUMN next_plan_at timestamptz NOT NULL DEFAULT '-infinity';
-- A work is sent by one owner at a time (a sender batch, or an operator's slot workflow): the claim
-- serializes its sends. `claimed_until` bounds a claim whose owner died without releasing it.
ALTER TABLE compliance_configs ADD COLUMN claimed_by text;
ALTER TABLE compliance_configs ADD COLUMN claimed_until timestamptz;
-- The last plan's account of the work, for the status route.
ALTER TABLE compliance_configs ADD COLUMN send_state text NOT NULL DEFAULT 'idle';
ALTER TABLE compliance_configs ADD COLUMN send_reason text;

-- The sender's claim reads the due works in order.
CREATE INDEX compliance_configs_due ON compliance_configs (next_plan_at, id) WHERE status = 'ACTIVE';

-- Down Migration
DROP INDEX compliance_configs_due;
ALTER TABLE compliance_configs DROP COLUMN send_reason;
ALTER TABLE compliance_configs DROP COLUMN send_state;
ALTER TABLE compliance_configs DROP COLUMN claimed_until;
ALTER TABLE compliance_configs DROP COLUMN claimed_by;
ALTER TABLE compliance_configs DROP COLUMN next_plan_at;
