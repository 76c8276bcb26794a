-- Up Migration

-- The ETL family (seed 004): five dashboard tables copied incrementally from BigQuery. Their
-- columns are declared in lib/etl/registry.ts (this DDL is `targetDdl` of each declaration; the
-- registry test checks the two agree). Every primary key starts with the incremental column,
-- which is also the TimescaleDB partitioning column, so the tables can become hypertables as
-- they are. This migration is plain PostgreSQL; TimescaleDB layout is applied by a later step
-- when the extension exists. `etl_loaded_at` is when the ETL last wrote the row.

-- Main aggregated collection metrics per snapshot day, assignment file, portfolio and service
CREATE TABLE "dashboard_data" (
  "fecha_foto" date NOT NULL,
  "archivo" text NOT NULL,
  "cartera" text NOT NULL,
  "servicio" text NOT NULL,
  "cuentas" bigint NOT NULL,
  "clientes" bigint,
  "deuda_asignada" numeric(38,9),
  "deuda_actual" numeric(38,9),
  "monto_recuperado" numeric(38,9),
  "pagos" bigint,
  "contactabilidad" double precision,
  "tasa_recupero" double precision,
  "es_cierre" boolean,
  "actualizado_en" timestamp with time zone NOT NULL,
  etl_loaded_at timestamp with time zone NOT NULL DEFAULT now(),
  PRIMARY KEY ("fecha_foto", "archivo", "cartera", "servicio")
);

-- Daily time series per assignment file, for trend charts
CREATE TABLE "evolution_data" (
  "fecha_foto" date NOT NULL,
  "archivo" text NOT NULL,
  "dia_gestion" bigint NOT NULL,
  "cuentas" bigint,
  "deuda" numeric(38,9),
  "monto_recuperado" numeric(38,9),
  "tasa_recupero" double precision,
  "contactabilidad" double precision,
  "actualizado_en" timestamp with time zone NOT NULL,
  etl_loaded_at timestamp with time zone NOT NULL DEFAULT now(),
  PRIMARY KEY ("fecha_foto", "archivo")
);

-- Monthly assignment composition per file and portfolio
CREATE TABLE "assignment_data" (
  "periodo" date NOT NULL,
  "archivo" text NOT NULL,
  "cartera" text NOT NULL,
  "fecha_asignacion" date,
  "clientes" bigint,
  "cuentas" bigint NOT NULL,
  "deuda_asignada" numeric(38,9),
  "ticket_promedio" numeric(38,9),
  "es_refuerzo" boolean,
  "actualizado_en" timestamp with time zone NOT NULL,
  etl_loaded_at timestamp with time zone NOT NULL DEFAULT now(),
  PRIMARY KEY ("periodo", "archivo", "cartera")
);

-- Hourly operation metrics per channel and file
CREATE TABLE "operation_data" (
  "fecha_foto" date NOT NULL,
  "hora" bigint NOT NULL,
  "canal" text NOT NULL,
  "archivo" text NOT NULL,
  "gestiones" bigint NOT NULL,
  "contactos_efectivos" bigint,
  "compromisos" bigint,
  "monto_compromisos" numeric(38,9),
  "duracion_media_seg" double precision,
  "actualizado_en" timestamp with time zone NOT NULL,
  etl_loaded_at timestamp with time zone NOT NULL DEFAULT now(),
  PRIMARY KEY ("fecha_foto", "hora", "canal", "archivo")
);

-- Daily performance per agent and file (agent ranking)
CREATE TABLE "productivity_data" (
  "fecha_foto" date NOT NULL,
  "correo_agente" text NOT NULL,
  "archivo" text NOT NULL,
  "nombre_agente" text,
  "gestiones" bigint NOT NULL,
  "contactos" bigint,
  "compromisos" bigint,
  "monto_recuperado" numeric(38,9),
  "tiempo_conectado_seg" bigint,
  "tasa_contacto" double precision,
  "actualizado_en" timestamp with time zone NOT NULL,
  etl_loaded_at timestamp with time zone NOT NULL DEFAULT now(),
  PRIMARY KEY ("fecha_foto", "correo_agente", "archivo")
);

-- One row per table: the largest incremental value loaded. It moves in the same transaction as
-- the data it describes, so the two never disagree.
CREATE TABLE etl_watermarks (
  table_name text PRIMARY KEY,
  watermark date,
  last_run_id text,
  last_success_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per run per table. Written `running` when the run begins; the merge's transaction sets
-- `succeeded` with its counts; a failed or cancelled run is marked so. `started_at` comes from
-- the workflow (the same on every retry) and is in the key, so the table can be a hypertable on it.
CREATE TABLE etl_execution_log (
  run_id text NOT NULL,
  started_at timestamptz NOT NULL,
  workflow_id text NOT NULL,
  table_name text NOT NULL,
  mode text NOT NULL CHECK (mode IN ('incremental', 'force', 'backfill')),
  triggered_by text,
  window_from date,
  window_to date,
  status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'canceled')),
  bq_job_id text,
  pages integer NOT NULL DEFAULT 0,
  rows_extracted bigint NOT NULL DEFAULT 0,
  rows_rejected bigint NOT NULL DEFAULT 0,
  inserted bigint,
  updated bigint,
  unchanged bigint,
  deleted bigint,
  watermark_before date,
  watermark_after date,
  -- columns upstream has that the registry does not (reported, not fatal)
  schema_notes text,
  error text,
  finished_at timestamptz,
  PRIMARY KEY (run_id, started_at)
);
CREATE INDEX etl_execution_log_table ON etl_execution_log (table_name, started_at DESC);

-- Rows that were not loaded: a null key or a value not of its declared type, with the raw row.
CREATE TABLE etl_rejects (
  reject_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id text NOT NULL,
  table_name text NOT NULL,
  reason text NOT NULL,
  raw jsonb NOT NULL,
  rejected_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX etl_rejects_table ON etl_rejects (table_name, rejected_at DESC);

-- Staging: each run COPYs its pages into its own table in this schema (etl_staging.<table>_<run>),
-- created with the run's checkpoint. Ordinary (logged) tables: a crash must not empty staging
-- behind a checkpoint that says the pages are there.
CREATE SCHEMA IF NOT EXISTS etl_staging;

-- A run's extraction checkpoint, committed with each staged page: the BigQuery job and the
-- token of the next page, so a retried activity resumes at that page. Deleted by the merge.
CREATE TABLE etl_extract_checkpoints (
  run_id text PRIMARY KEY,
  table_name text NOT NULL,
  staging_table text NOT NULL UNIQUE,
  window_from date,
  window_to date,
  bq_job_id text,
  bq_location text,
  page_token text,
  pages integer NOT NULL DEFAULT 0,
  rows_staged bigint NOT NULL DEFAULT 0,
  rows_rejected bigint NOT NULL DEFAULT 0,
  done boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
