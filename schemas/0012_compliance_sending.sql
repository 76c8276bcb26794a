-- Up Migration

-- The sending path of the compliance family (issue 11).
-- `sma_parameters`: the parameters an SMA device reports in each call (all of one timestamp in one call,
-- too few or too many is a 400): Q (flow, l/s), VA (totalizer, m³), NF (level, m).
ALTER TABLE compliance_configs ADD COLUMN sma_parameters text[] NOT NULL DEFAULT ARRAY['Q', 'VA', 'NF']
  CHECK (sma_parameters <@ ARRAY['Q', 'VA', 'NF']::text[] AND cardinality(sma_parameters) > 0);
-- When the work's last send ended (its answer, or when it was found unanswered): the next send waits
-- DGA_BACKLOG_SPACING after it. Written with the attempts, under the configuration's row lock.
ALTER TABLE compliance_configs ADD COLUMN last_send_at timestamptz;

-- The planner reads a work's pending slots; the verify sweep reads SENT ones.
CREATE INDEX compliance_submissions_config_status ON compliance_submissions (config_id, status, slot);

-- Down Migration
DROP INDEX compliance_submissions_config_status;
ALTER TABLE compliance_configs DROP COLUMN last_send_at;
ALTER TABLE compliance_configs DROP COLUMN sma_parameters;
