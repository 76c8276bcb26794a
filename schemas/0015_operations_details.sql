-- Up Migration

-- Issue 17 §5. The ETL's staged rows that repeated a key already staged in the same run (BigQuery
-- enforces no key): one row per key is loaded, the others are dropped and counted here, so that
-- rows_extracted = inserted + updated + unchanged + duplicates_dropped. Earlier runs get the same
-- difference, which is what they dropped.
ALTER TABLE etl_execution_log ADD COLUMN duplicates_dropped bigint;
UPDATE etl_execution_log SET duplicates_dropped = rows_extracted - inserted - updated - unchanged
 WHERE status = 'succeeded' AND inserted IS NOT NULL AND updated IS NOT NULL AND unchanged IS NOT NULL;

-- The compliance sender also claims INACTIVE works, to resolve their sends left without an
-- answer (activities/compliance/in-doubt.ts): its claim's index covers them.
DROP INDEX compliance_configs_due;
CREATE INDEX compliance_configs_due ON compliance_configs (next_plan_at, id) WHERE status IN ('ACTIVE', 'INACTIVE');

-- Down Migration
DROP INDEX compliance_configs_due;
CREATE INDEX compliance_configs_due ON compliance_configs (next_plan_at, id) WHERE status = 'ACTIVE';
ALTER TABLE etl_execution_log DROP COLUMN duplicates_dropped;
