import { ETL_TABLES, type TimescaleLayout } from './registry';

/**
 * The TimescaleDB layout (pure): the dashboard hypertables of the registry plus the execution
 * log, with their chunk intervals and retention. With the extension, hypertables and retention
 * policies; without it, the same ages are deleted by the daily `etlRetention` job.
 */
export interface HypertableLayout extends TimescaleLayout {
  table: string;
}

export const EXECUTION_LOG_LAYOUT: HypertableLayout = {
  table: 'etl_execution_log',
  timeColumn: 'started_at',
  chunkInterval: '1 month',
  retention: '6 months',
};

export function hypertableLayouts(): HypertableLayout[] {
  return [
    ...ETL_TABLES.flatMap((table) => (table.timescale ? [{ table: table.name, ...table.timescale }] : [])),
    EXECUTION_LOG_LAYOUT,
  ];
}

/**
 * One idempotent statement, run by the migration and by `npm run etl:setup`: when TimescaleDB can
 * be loaded, the extension, each hypertable (existing rows migrated) and its retention policy;
 * otherwise nothing (plain PostgreSQL, `basic`). Safe to run again.
 */
export function timescaleLayoutSql(): string {
  const steps = hypertableLayouts().flatMap(({ table, timeColumn, chunkInterval, retention }) => [
    `  PERFORM create_hypertable('${table}', by_range('${timeColumn}', INTERVAL '${chunkInterval}'), if_not_exists => true, migrate_data => true);`,
    `  PERFORM add_retention_policy('${table}', INTERVAL '${retention}', if_not_exists => true);`,
  ]);
  return [
    'DO $$',
    'BEGIN',
    "  IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN",
    '    RETURN;',
    '  END IF;',
    '  BEGIN',
    '    CREATE EXTENSION IF NOT EXISTS timescaledb;',
    '  EXCEPTION WHEN OTHERS THEN',
    "    RAISE NOTICE 'TimescaleDB is available but could not be loaded (%): plain PostgreSQL tables', SQLERRM;",
    '    RETURN;',
    '  END;',
    ...steps,
    'END',
    '$$;',
  ].join('\n');
}
