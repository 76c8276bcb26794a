-- Up Migration

-- TimescaleDB, detected here: where the extension can be loaded, the four dashboard hypertables
-- (dashboard_data, evolution_data, operation_data, productivity_data) and etl_execution_log get
-- their chunk intervals and retention policies (lib/etl/timescale.ts; a test checks this is its
-- output). On plain PostgreSQL this does nothing: the tables stay plain, and the daily
-- `etlRetention` job deletes the same ages. `npm run etl:setup` runs the same statement again,
-- for a database that gained the extension after this migration.
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
  PERFORM create_hypertable('dashboard_data', by_range('fecha_foto', INTERVAL '7 days'), if_not_exists => true, migrate_data => true);
  PERFORM add_retention_policy('dashboard_data', INTERVAL '2 years', if_not_exists => true);
  PERFORM create_hypertable('evolution_data', by_range('fecha_foto', INTERVAL '7 days'), if_not_exists => true, migrate_data => true);
  PERFORM add_retention_policy('evolution_data', INTERVAL '2 years', if_not_exists => true);
  PERFORM create_hypertable('operation_data', by_range('fecha_foto', INTERVAL '1 day'), if_not_exists => true, migrate_data => true);
  PERFORM add_retention_policy('operation_data', INTERVAL '1 year', if_not_exists => true);
  PERFORM create_hypertable('productivity_data', by_range('fecha_foto', INTERVAL '7 days'), if_not_exists => true, migrate_data => true);
  PERFORM add_retention_policy('productivity_data', INTERVAL '2 years', if_not_exists => true);
  PERFORM create_hypertable('etl_execution_log', by_range('started_at', INTERVAL '1 month'), if_not_exists => true, migrate_data => true);
  PERFORM add_retention_policy('etl_execution_log', INTERVAL '6 months', if_not_exists => true);
END
$$;
