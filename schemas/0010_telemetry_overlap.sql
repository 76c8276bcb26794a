-- Up Migration

-- Until when a variable's late-readings overlap is re-read (lib/telemetry/overlap.ts): set when its
-- readings show a disconnection gap, to `reconnectionMinutes` after the reading that closed it;
-- null while there is none, and the variable is fetched from its watermark.
ALTER TABLE telemetry_variable_state ADD COLUMN reread_until timestamptz;
