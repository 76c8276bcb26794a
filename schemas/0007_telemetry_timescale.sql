-- Up Migration

-- TimescaleDB for the telemetry time series, detected as in 0005_etl_timescale.sql: where the
-- extension can be loaded, raw readings and measurements become hypertables (one-day chunks:
-- minute readings of thousands of points are tens of millions of rows a day), and the raw
-- readings' 30 days become a retention policy that drops whole chunks. Their primary keys
-- (point, variable, time) already hold the time column, as a hypertable's unique indexes must.
-- On plain PostgreSQL this does nothing, and the daily `telemetryCleanup` deletes the same age
-- (it keeps running with TimescaleDB too, where it finds nothing left to delete).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    RETURN;
  END IF;
  BEGIN
    CREATE EXTENSION IF NOT EXISTS timescaledb;
  EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'TimescaleDB is available but could not be loaded (%): plain PostgreSQL tables', SQLERRM;
    RETURN;
  END;
  PERFORM create_hypertable('telemetry_raw_readings', by_range('measured_at', INTERVAL '1 day'), if_not_exists => true, migrate_data => true);
  PERFORM add_retention_policy('telemetry_raw_readings', INTERVAL '30 days', if_not_exists => true);
  PERFORM create_hypertable('telemetry_measurements', by_range('measured_at', INTERVAL '1 day'), if_not_exists => true, migrate_data => true);
END
$$;
