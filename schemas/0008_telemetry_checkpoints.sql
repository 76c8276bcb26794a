-- Up Migration

-- About one rule-state checkpoint an hour per point (lib/telemetry/checkpoints.ts), kept over the
-- late-readings overlap: a poll that brings readings older than the newest processed one
-- recomputes from the checkpoint just before them, in the same transaction as the poll.
ALTER TABLE telemetry_point_state ADD COLUMN checkpoints jsonb NOT NULL DEFAULT '[]';
