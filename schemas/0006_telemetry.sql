-- Up Migration

-- Telemetry of catchment points (seeds 001, 002; contracts/providers.md).

-- Reusable variable settings (seed 001's SchemaTemplate): variables, units, limits, pulse
-- constants, rules and alert thresholds, as one JSON document (lib/telemetry/config.ts).
CREATE TABLE telemetry_templates (
  name text PRIMARY KEY,
  description text NOT NULL DEFAULT '',
  config jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A catchment point. Credentials are a reference (a name in CREDENTIALS_FILE), never a secret.
CREATE TABLE telemetry_points (
  code text PRIMARY KEY,
  name text NOT NULL,
  point_type text NOT NULL CHECK (point_type IN ('WELL', 'RIVER', 'LAKE', 'RESERVOIR', 'SPRING', 'DRAIN')),
  latitude numeric(10, 8) NOT NULL CHECK (latitude BETWEEN -90 AND 90),
  longitude numeric(11, 8) NOT NULL CHECK (longitude BETWEEN -180 AND 180),
  altitude numeric(8, 2),
  provider text NOT NULL CHECK (provider IN ('twin', 'nettra', 'novus', 'tago', 'tdata', 'thingsio')),
  device_id text NOT NULL,
  credentials_ref text NOT NULL,
  status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE', 'MAINTENANCE', 'ERROR', 'OFFLINE')),
  frequency_minutes integer NOT NULL CHECK (frequency_minutes IN (1, 5, 60)),
  template_name text REFERENCES telemetry_templates (name),
  -- the point's own settings, deep-merged over the template's
  overrides jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (provider, device_id)
);
-- The cycles list active points of one frequency, grouped by provider (seed 001's indexes).
CREATE INDEX telemetry_points_cycle ON telemetry_points (frequency_minutes, status, provider);

-- Every effective configuration a measurement was computed with, by its content hash, so a
-- stored measurement says exactly which constants produced it.
CREATE TABLE telemetry_config_versions (
  version text PRIMARY KEY,
  config jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Per point and variable: the newest reading processed (the watermark) and the rules' state
-- after it (offset of counter resets, last good total...). Moved with the readings it covers,
-- in the same transaction.
CREATE TABLE telemetry_variable_state (
  point_code text NOT NULL REFERENCES telemetry_points (code),
  variable text NOT NULL,
  watermark timestamptz NOT NULL,
  state jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (point_code, variable)
);

-- The point-wide rules' state (hourly flow/total and level/total windows).
CREATE TABLE telemetry_point_state (
  point_code text PRIMARY KEY REFERENCES telemetry_points (code),
  state jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- How each point's polls went, for the health check: a provider whose every point keeps failing is down.
CREATE TABLE telemetry_point_health (
  point_code text PRIMARY KEY REFERENCES telemetry_points (code),
  last_success_at timestamptz,
  last_failure_at timestamptz,
  last_error text,
  consecutive_failures integer NOT NULL DEFAULT 0
);

-- Readings as the provider gave them (kept 30 days): the input of reprocessing.
CREATE TABLE telemetry_raw_readings (
  point_code text NOT NULL REFERENCES telemetry_points (code),
  variable text NOT NULL,
  measured_at timestamptz NOT NULL,
  value double precision NOT NULL,
  unit text,
  raw jsonb NOT NULL,
  fetched_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (point_code, variable, measured_at)
);
CREATE INDEX telemetry_raw_readings_fetched ON telemetry_raw_readings (fetched_at);

-- The one unified measurements table (seed 001's Measurement), idempotent on
-- (point, variable, time): a retried or repeated cycle stores nothing twice.
CREATE TABLE telemetry_measurements (
  point_code text NOT NULL REFERENCES telemetry_points (code),
  variable text NOT NULL,
  measured_at timestamptz NOT NULL,
  -- null when the rules rejected the reading (the flags say why)
  value_numeric double precision,
  raw_value jsonb NOT NULL,
  quality_score real NOT NULL,
  provider text NOT NULL,
  flags text[] NOT NULL DEFAULT '{}',
  config_version text NOT NULL REFERENCES telemetry_config_versions (version),
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (point_code, variable, measured_at)
);
CREATE INDEX telemetry_measurements_time_provider ON telemetry_measurements (measured_at, provider);
CREATE INDEX telemetry_measurements_variable_time ON telemetry_measurements (variable, measured_at DESC);

-- An alert is open once per (point, variable, rule): while open it only counts and moves its
-- last time; it resolves when the condition clears.
CREATE TABLE telemetry_alerts (
  id bigserial PRIMARY KEY,
  point_code text NOT NULL REFERENCES telemetry_points (code),
  variable text NOT NULL,
  rule text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  status text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'RESOLVED')),
  message text NOT NULL,
  first_at timestamptz NOT NULL,
  last_at timestamptz NOT NULL,
  count integer NOT NULL DEFAULT 1,
  resolved_at timestamptz
);
CREATE UNIQUE INDEX telemetry_alerts_one_open ON telemetry_alerts (point_code, variable, rule) WHERE status = 'OPEN';
CREATE INDEX telemetry_alerts_status ON telemetry_alerts (status, last_at DESC);

-- Notifications, shared by the families that notify (telemetry, compliance; SPEC §5.4b).
-- Webhook secrets are references into CREDENTIALS_FILE.
CREATE TABLE notification_users (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  email text,
  phone text,
  webhook_url text,
  webhook_secret_ref text,
  daily_summary boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- What a user hears about: a subject (a point code, or '*'), which event types, which channels.
CREATE TABLE notification_subscriptions (
  id bigserial PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES notification_users (id) ON DELETE CASCADE,
  subject text NOT NULL,
  event_types text[] NOT NULL DEFAULT '{}',
  channels text[] NOT NULL CHECK (channels <@ ARRAY['email', 'webhook', 'sms']::text[]),
  UNIQUE (user_id, subject)
);

-- One row per notification to send, keyed by what it is about (e.g. `telemetry-alert:42:opened`),
-- the user and the channel: writing it twice is a no-op, and its id (the webhook-id) never changes
-- across retries.
CREATE TABLE notification_outbox (
  id text PRIMARY KEY,
  about text NOT NULL,
  user_id bigint NOT NULL REFERENCES notification_users (id) ON DELETE CASCADE,
  channel text NOT NULL CHECK (channel IN ('email', 'webhook', 'sms')),
  payload jsonb NOT NULL,
  status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT', 'FAILED')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  UNIQUE (about, user_id, channel)
);
CREATE INDEX notification_outbox_pending ON notification_outbox (created_at) WHERE status = 'PENDING';
