import pg from 'pg';
import type { Logger } from './logger';
import { Secret } from './secret';

/**
 * All database access goes through one module: a pool, `query` and `withTransaction`.
 * Statements are logged with their duration, never with their parameters.
 */

/** Array type ids that pg-types does not name. */
const ARRAY_OF = { int8: 1016, timestamp: 1115, date: 1182 } as const;
const TEXT_ARRAY = 1009 as Parameters<typeof pg.types.getTypeParser>[0];
const parseTextArray = pg.types.getTypeParser(TEXT_ARRAY) as (value: string) => (string | null)[];

/** Type parsers for this pool only (not the process-global ones). */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    switch (oid) {
      case pg.types.builtins.INT8:
        // `count(*)` and bigserial ids: exact, never rounded to a double.
        return (value: string) => BigInt(value);
      case pg.types.builtins.DATE:
      case pg.types.builtins.TIMESTAMP:
        // Calendar values stay as written ('2026-11-22', '2026-11-22 02:00:00'); the default
        // parser would read them in the process time zone and shift them.
        return (value: string) => value;
      case ARRAY_OF.date:
      case ARRAY_OF.timestamp:
        return parseTextArray;
      case ARRAY_OF.int8:
        return (value: string) => parseTextArray(value).map((item) => (item === null ? null : BigInt(item)));
      default:
        return pg.types.getTypeParser(oid, format);
    }
  },
} as pg.CustomTypesConfig;

export type Queryable = Pick<pg.PoolClient, 'query'>;

export interface Database {
  readonly pool: pg.Pool;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
  /** Runs `fn` in BEGIN … COMMIT; any throw rolls back. The client is released either way. */
  withTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** `SELECT 1` with a timeout, for health checks. */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: Secret;
  max?: number;
  logger?: Logger;
  applicationName?: string;
}

export function createDatabase({
  url,
  max = 10,
  logger,
  applicationName = 'durable-pipelines',
}: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: url.reveal(),
    max,
    types,
    application_name: applicationName,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (database restart) must not crash the process;
  // the pool drops it and the next query opens a new one.
  let closing = false;
  pool.on('error', (error) => {
    // After close(), a server shutting down can still reach a client that is ending: not news.
    if (!closing) logger?.warn({ err: error.message }, 'idle database client error');
  });

  async function timed<R extends pg.QueryResultRow>(client: Queryable, text: string, params?: unknown[]) {
    const started = performance.now();
    try {
      return await client.query<R>(text, params);
    } finally {
      logger?.trace({ sql: text, ms: Math.round(performance.now() - started) }, 'query');
    }
  }

  return {
    pool,
    query: (text, params) => timed(pool, text, params),
    async withTransaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      // A checked-out client whose connection drops also emits 'error' (the pool listens only to
      // idle ones): without a listener that would crash the process; the failed query rejects anyway.
      const onError = (error: Error) => (broken = error);
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        // A failed ROLLBACK means the connection is gone: destroy it rather than pool it.
        await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
        throw error;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    async ping(timeoutMs = 2_000) {
      const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
      const probe = pool.query('SELECT 1').then(
        () => true,
        () => false,
      );
      return Promise.race([probe, timeout]);
    },
    close() {
      closing = true;
      return pool.end();
    },
  };
}

/** The same server and credentials, another database. */
export function withDatabase(url: Secret, database: string): Secret {
  const parsed = new URL(url.reveal());
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return new Secret(parsed.toString());
}
