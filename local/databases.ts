import pg from 'pg';
import type { Secret } from '../lib/secret';

/** Database names come from code, never from a request; they are still checked before use in SQL. */
function checkedName(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid database name: ${name}`);
  return name;
}

async function withAdminClient<T>(adminUrl: Secret, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl.reveal() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates a database unless it exists, optionally as a copy of a template. */
export function ensureDatabase(adminUrl: Secret, name: string, template?: string): Promise<void> {
  return withAdminClient(adminUrl, async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    const from = template ? ` TEMPLATE ${checkedName(template)}` : '';
    if (rowCount === 0) await client.query(`CREATE DATABASE ${checkedName(name)}${from}`);
  });
}

export function dropDatabase(adminUrl: Secret, name: string): Promise<void> {
  return withAdminClient(adminUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${checkedName(name)} WITH (FORCE)`);
  });
}
