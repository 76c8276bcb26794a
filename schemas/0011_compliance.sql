-- Up Migration

-- The compliance family (issue 11, SPEC §5.5): regulator sources, per-point configurations and the
-- submission ledger. Secrets never live here: a configuration names its credentials by reference
-- (`CREDENTIALS_FILE`), and a ledger payload is stored without its `autenticacion` block.

CREATE TABLE compliance_sources (
  code text PRIMARY KEY CHECK (code IN ('DGA', 'SMA')),
  name text NOT NULL,
  -- the telemetry variables the source can receive
  variables text[] NOT NULL,
  active boolean NOT NULL DEFAULT true
);
INSERT INTO compliance_sources (code, name, variables) VALUES
  ('DGA', 'Dirección General de Aguas — Monitoreo de Extracciones Efectivas', ARRAY['FLOW', 'TOTAL', 'LEVEL']),
  ('SMA', 'Superintendencia del Medio Ambiente', ARRAY['FLOW', 'TOTAL', 'LEVEL']);

CREATE TABLE compliance_configs (
  id bigserial PRIMARY KEY,
  point_code text NOT NULL REFERENCES telemetry_points (code),
  source text NOT NULL REFERENCES compliance_sources (code),
  -- DGA: MAYOR (hourly) and MEDIO (daily) go through the API; MENOR and CAUDALES_MUY_PEQUENOS through the
  -- regulator's web form (listed as manual, never sent). SMA: SMA (hourly, on a 5-minute mark).
  standard text NOT NULL CHECK (standard IN ('MAYOR', 'MEDIO', 'MENOR', 'CAUDALES_MUY_PEQUENOS', 'SMA')),
  dga_codigo_obra text CHECK (dga_codigo_obra ~ '^O[BR]-\d{4}-\d+$'),
  dga_work_kind text CHECK (dga_work_kind IN ('SUBTERRANEA', 'SUPERFICIAL_FLUJOMETRO', 'SUPERFICIAL')),
  sma_uf_id text,
  sma_proceso_id text,
  sma_dispositivo_id text,
  credentials_ref text NOT NULL,
  -- days of the regulator's fixed UTC−4 calendar; active_to inclusive, null = open-ended
  active_from date NOT NULL,
  active_to date CHECK (active_to IS NULL OR active_to >= active_from),
  -- ACTIVE sends; INACTIVE was deactivated by an operator; BLOCKED was stopped by a configuration error
  -- the regulator reported (e.g. the informant is not the work's), with the reason, until updated
  status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE', 'BLOCKED')),
  blocked_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (source <> 'DGA' OR (dga_codigo_obra IS NOT NULL AND dga_work_kind IS NOT NULL AND standard <> 'SMA')),
  CHECK (source <> 'SMA' OR (sma_uf_id IS NOT NULL AND sma_proceso_id IS NOT NULL AND sma_dispositivo_id IS NOT NULL
                             AND standard = 'SMA'))
);
-- one configuration per point and regulator, and one per DGA work (sends are serialized per work)
CREATE UNIQUE INDEX compliance_configs_point_source ON compliance_configs (point_code, source);
CREATE UNIQUE INDEX compliance_configs_dga_work ON compliance_configs (dga_codigo_obra) WHERE source = 'DGA';

-- The ledger: one row per (configuration, slot). `slot` is the measurement time the slot reports.
CREATE TABLE compliance_submissions (
  config_id bigint NOT NULL REFERENCES compliance_configs (id),
  slot timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT', 'CONFIRMED', 'REJECTED', 'ERROR')),
  -- why a PENDING slot waits (no usable data, waiting for the daily resend, …) or why it was rejected
  reason text,
  -- the regulator's body without `autenticacion`; null until the slot has usable data
  payload jsonb,
  receipt text,
  attempts integer NOT NULL DEFAULT 0,
  -- the earliest time the sending rules allow the next attempt
  next_attempt_at timestamptz,
  first_sent_at timestamptz,
  accepted_at timestamptz,
  confirmed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (config_id, slot)
);
CREATE INDEX compliance_submissions_status ON compliance_submissions (status, slot);
CREATE INDEX compliance_submissions_slot ON compliance_submissions (slot);

-- Every attempt of a slot: written IN_FLIGHT before the request leaves, finished with the answer. An
-- IN_FLIGHT attempt found later (the worker died, the answer was lost) is resolved before anything new
-- is sent for that work.
CREATE TABLE compliance_attempts (
  config_id bigint NOT NULL,
  slot timestamptz NOT NULL,
  attempt integer NOT NULL,
  kind text NOT NULL DEFAULT 'SUBMIT' CHECK (kind IN ('SUBMIT', 'VERIFY')),
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  outcome text NOT NULL DEFAULT 'IN_FLIGHT'
    CHECK (outcome IN ('IN_FLIGHT', 'ACCEPTED', 'DUPLICATE', 'REJECTED', 'CONFIG_ERROR', 'UNAUTHORIZED',
                       'SERVER_ERROR', 'NO_ANSWER', 'CONFIRMED', 'MISMATCH')),
  http_status integer,
  -- the regulator's answer body (never a credential), truncated
  answer jsonb,
  receipt text,
  PRIMARY KEY (config_id, slot, kind, attempt),
  FOREIGN KEY (config_id, slot) REFERENCES compliance_submissions (config_id, slot)
);
CREATE INDEX compliance_attempts_in_flight ON compliance_attempts (config_id) WHERE outcome = 'IN_FLIGHT';

-- The daily compliance report (07:00): per configuration, the previous day of the regulator's calendar.
CREATE TABLE compliance_reports (
  report_date date NOT NULL,
  config_id bigint NOT NULL REFERENCES compliance_configs (id),
  expected integer NOT NULL,
  sent integer NOT NULL,
  confirmed integer NOT NULL,
  rejected integer NOT NULL,
  missing integer NOT NULL,
  late integer NOT NULL,
  details jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (report_date, config_id)
);

-- Down Migration
DROP TABLE compliance_reports;
DROP TABLE compliance_attempts;
DROP TABLE compliance_submissions;
DROP TABLE compliance_configs;
DROP TABLE compliance_sources;
