import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { applyStorageLayout, checkStorage, validateTargets } from '../data/etl/storage';
import { loadConfigOrExit, type Config } from '../lib/config';
import { createDatabase } from '../lib/db';
import { Secret } from '../lib/secret';

/**
 * `npm run etl:setup -- [apply|check|validate]` (the old service's `setup_timescaledb`):
 *   apply     the TimescaleDB layout where the extension loads (also run by the migrations), then check;
 *   check     prints `optimal` (TimescaleDB, every hypertable and retention policy) or `basic`;
 *   validate  compares every target table's columns, types and key with the registry.
 * DATABASE_URL, or else the running local stack's embedded database.
 */
function databaseUrl(config: Config): Secret {
  if (config.database.url) return config.database.url;
  const passwordFile = path.resolve(config.dataDir, 'postgres-password');
  if (!existsSync(passwordFile))
    throw new Error('set DATABASE_URL (or run it next to a local stack started by npm start)');
  const password = encodeURIComponent(readFileSync(passwordFile, 'utf8').trim());
  return new Secret(`postgres://postgres:${password}@127.0.0.1:${config.local.postgresPort}/pipelines`);
}

async function main(command = 'check'): Promise<number> {
  const config = loadConfigOrExit();
  const db = createDatabase({ url: databaseUrl(config), max: 1 });
  try {
    if (command === 'check' || command === 'apply') {
      const check = command === 'apply' ? await applyStorageLayout(db) : await checkStorage(db);
      process.stdout.write(`Overall Status: ${check.mode}\n`);
      if (check.timescaledb && check.missing.length > 0) process.stdout.write(`missing: ${check.missing.join(', ')}\n`);
      return 0;
    }
    if (command === 'validate') {
      const problems = await validateTargets(db);
      for (const [table, list] of Object.entries(problems)) {
        process.stdout.write(`${table}: ${list.length === 0 ? 'valid' : list.join('; ')}\n`);
      }
      const check = await checkStorage(db);
      process.stdout.write(`Overall Status: ${check.mode}\n`);
      return Object.values(problems).some((list) => list.length > 0) ? 1 : 0;
    }
    process.stderr.write(`unknown command "${command}": use apply, check or validate\n`);
    return 2;
  } finally {
    await db.close();
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`etl:setup failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
