-- Up Migration

-- CV viewing events (seed 000, contracts/cv-api.md). One row per valid event, keyed by the
-- platform's recordId, so a re-fetched page inserts nothing twice (ON CONFLICT DO NOTHING).
CREATE TABLE cv_events (
  record_id bigint PRIMARY KEY,
  action_id integer NOT NULL,
  data_id text NOT NULL,
  data_name text,
  event_time timestamptz NOT NULL,
  -- local date and time of day of event_time in PIPELINES_TZ (the seed's dataDate / timeDate)
  data_date date NOT NULL,
  time_date time NOT NULL,
  duration double precision,
  subscriber_id text NOT NULL,
  device_id text NOT NULL,
  -- the event's unknown extra fields, kept as the contract asks (null when there are none)
  extra jsonb,
  ingested_at timestamptz NOT NULL DEFAULT now()
);
-- Merges read events by action and recordId range; reference lookups by action and dataId.
CREATE INDEX cv_events_action_record ON cv_events (action_id, record_id);
CREATE INDEX cv_events_action_data ON cv_events (action_id, data_id, record_id DESC);

-- Events that failed validation, with the reason and the raw JSON as received. The key is
-- `record:<recordId>` when the event has a usable recordId, else `sha256:<hash of raw>`, so a
-- page fetched twice rejects nothing twice.
CREATE TABLE cv_rejects (
  reject_key text PRIMARY KEY,
  record_id bigint,
  reason text NOT NULL,
  raw text NOT NULL,
  rejected_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cv_rejects_rejected_at ON cv_rejects (rejected_at DESC);

-- The ingest's state: one row. Everything with recordId <= high_watermark is stored (or
-- rejected). A load in progress keeps its segment here, committed with each page's rows:
-- everything in [segment_low, segment_top] above segment_floor is stored, and the load resumes
-- below segment_low. high_watermark moves to segment_top only when the walk reaches
-- segment_floor, so it never claims an event that is not stored.
CREATE TABLE cv_ingest_state (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  high_watermark bigint NOT NULL DEFAULT 0,
  segment_top bigint,
  segment_floor bigint,
  segment_low bigint,
  -- where the walk was (offset of the next page) and the listing's total at that moment
  segment_next_offset bigint,
  segment_total bigint,
  events_stored bigint NOT NULL DEFAULT 0,
  events_rejected bigint NOT NULL DEFAULT 0,
  last_load_started_at timestamptz,
  last_load_finished_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO cv_ingest_state (id) VALUES (true);

-- The six merged tables (seed MergedTelemetric*), all of the same shape.
CREATE TABLE cv_merged_ott (
  record_id bigint PRIMARY KEY,
  action_id integer NOT NULL,
  data_id text NOT NULL,
  data_name text,
  -- recordId of the reference event the name came from (null: the event's own name, or none yet)
  name_from_record_id bigint,
  event_time timestamptz NOT NULL,
  data_date date NOT NULL,
  time_date time NOT NULL,
  duration double precision,
  subscriber_id text NOT NULL,
  device_id text NOT NULL,
  merged_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cv_merged_ott_data_id ON cv_merged_ott (data_id) WHERE data_name IS NULL OR data_name = '';
CREATE INDEX cv_merged_ott_date ON cv_merged_ott (data_date);
CREATE TABLE cv_merged_dvb (LIKE cv_merged_ott INCLUDING ALL);
CREATE TABLE cv_merged_stop_catchup (LIKE cv_merged_ott INCLUDING ALL);
CREATE TABLE cv_merged_end_catchup (LIKE cv_merged_ott INCLUDING ALL);
CREATE TABLE cv_merged_stop_vod (LIKE cv_merged_ott INCLUDING ALL);
CREATE TABLE cv_merged_end_vod (LIKE cv_merged_ott INCLUDING ALL);

-- Per category: every event (target and reference) with recordId <= last_record_id is merged.
CREATE TABLE cv_merge_watermarks (
  category text PRIMARY KEY,
  last_record_id bigint NOT NULL DEFAULT 0,
  merged_total bigint NOT NULL DEFAULT 0,
  names_filled_total bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO cv_merge_watermarks (category)
VALUES ('ott'), ('dvb'), ('stop_catchup'), ('end_catchup'), ('stop_vod'), ('end_vod');

-- OTT daily rollups: local date x time band x dataName ('' for none). The analytics read these.
CREATE TABLE cv_ott_daily (
  data_date date NOT NULL,
  band text NOT NULL,
  data_name text NOT NULL,
  hours double precision NOT NULL,
  events bigint NOT NULL,
  PRIMARY KEY (data_date, band, data_name)
);

-- Days whose OTT rollups must be recomputed: written in the merge's transaction, cleared in the
-- rollup's, so a crash between the two recomputes them on the next run.
CREATE TABLE cv_ott_dirty_days (data_date date PRIMARY KEY);

-- Down Migration

DROP TABLE cv_ott_dirty_days;
DROP TABLE cv_ott_daily;
DROP TABLE cv_merge_watermarks;
DROP TABLE cv_merged_end_vod;
DROP TABLE cv_merged_stop_vod;
DROP TABLE cv_merged_end_catchup;
DROP TABLE cv_merged_stop_catchup;
DROP TABLE cv_merged_dvb;
DROP TABLE cv_merged_ott;
DROP TABLE cv_ingest_state;
DROP TABLE cv_rejects;
DROP TABLE cv_events;
