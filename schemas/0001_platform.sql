-- Up Migration

-- The platform canary: one row per scheduled run, proving schedule → Temporal → worker → PostgreSQL.
CREATE TABLE platform_canary (
  id bigserial PRIMARY KEY,
  -- the scheduled time the run was for (idempotency key: a retried activity writes the same row)
  scheduled_for timestamptz NOT NULL UNIQUE,
  workflow_id text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration

DROP TABLE platform_canary;
