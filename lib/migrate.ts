import path from 'node:path';
import pg from 'pg';
import { runner } from 'node-pg-migrate';
import type { Logger } from './logger';
import type { Secret } from './secret';

export const MIGRATIONS_DIR = path.resolve(__dirname, '..', 'schemas');
const MIGRATIONS_TABLE = 'schema_migrations';
/** Any constant works; it only has to be the same in every process that migrates this database. */
const MIGRATION_LOCK_KEY = 7_233_054_329;

/**
 * Applies the ordered SQL migrations of `schemas/` (node-pg-migrate, `-- Up Migration` sections).
 * node-pg-migrate's own lock fails fast when another runner holds it; we take a blocking advisory
 * lock instead, so concurrent starts (API, workers, tests) wait and then find nothing left to do.
 */
export async function migrate(url: Secret, logger?: Logger): Promise<string[]> {
  const client = new pg.Client({ connectionString: url.reveal(), application_name: 'durable-pipelines-migrate' });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      migrationsTable: MIGRATIONS_TABLE,
      direction: 'up',
      count: Infinity,
      noLock: true,
      checkOrder: true,
      singleTransaction: true,
      log: (message) => logger?.debug({ migration: message }, 'migrate'),
    });
    const names = applied.map((migration) => migration.name);
    if (names.length > 0) logger?.info({ applied: names }, 'migrations applied');
    return names;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}
