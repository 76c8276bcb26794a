import type { PoolClient } from 'pg';
import type { Database } from '../../lib/db';
import type { AlertCondition } from '../../lib/telemetry/alerts';

/** `telemetry_alerts`: one open alert per (point, variable, rule), or per (provider, rule) for a provider's. */

/** Opens (or counts) the raised conditions and resolves the cleared ones; returns the ids of alerts opened. */
export async function applyAlertConditions(client: PoolClient, code: string, conditions: readonly AlertCondition[]) {
  const opened: { id: string; condition: AlertCondition }[] = [];
  for (const condition of conditions) {
    if (condition.count > 0) {
      const { rows } = await client.query<{ id: string; inserted: boolean }>(
        `INSERT INTO telemetry_alerts (point_code, variable, rule, severity, message, first_at, last_at, count)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (point_code, variable, rule) WHERE status = 'OPEN'
         DO UPDATE SET count = telemetry_alerts.count + EXCLUDED.count, message = EXCLUDED.message,
                       last_at = GREATEST(telemetry_alerts.last_at, EXCLUDED.last_at)
         RETURNING id::text, (xmax = 0) AS inserted`,
        [
          code,
          condition.variable,
          condition.rule,
          condition.severity,
          condition.message,
          condition.firstAt,
          condition.lastAt,
          condition.count,
        ],
      );
      if (rows[0]?.inserted) opened.push({ id: rows[0].id, condition });
    }
  }
  // One statement for every condition that cleared (most of them, most of the time).
  const cleared = conditions.filter((condition) => !condition.active);
  if (cleared.length > 0)
    await client.query(
      `UPDATE telemetry_alerts a SET status = 'RESOLVED', resolved_at = now()
         FROM unnest($2::text[], $3::text[]) AS c(variable, rule)
        WHERE a.point_code = $1 AND a.variable = c.variable AND a.rule = c.rule AND a.status = 'OPEN'`,
      [code, cleared.map((c) => c.variable), cleared.map((c) => c.rule)],
    );
  return opened;
}

/** Opens (or counts) a provider's alert, or resolves it when the condition cleared; returns the id opened. */
export async function applyProviderAlert(
  client: PoolClient,
  provider: string,
  condition: AlertCondition,
): Promise<string | undefined> {
  if (!condition.active) {
    await client.query(
      `UPDATE telemetry_alerts SET status = 'RESOLVED', resolved_at = now()
        WHERE provider = $1 AND point_code IS NULL AND rule = $2 AND status = 'OPEN'`,
      [provider, condition.rule],
    );
    return undefined;
  }
  const { rows } = await client.query<{ id: string; inserted: boolean }>(
    `INSERT INTO telemetry_alerts (provider, variable, rule, severity, message, first_at, last_at, count)
     VALUES ($1, '*', $2, $3, $4, $5, $6, $7)
     ON CONFLICT (provider, rule) WHERE status = 'OPEN' AND point_code IS NULL
     DO UPDATE SET count = telemetry_alerts.count + EXCLUDED.count, message = EXCLUDED.message,
                   last_at = GREATEST(telemetry_alerts.last_at, EXCLUDED.last_at)
     RETURNING id::text, (xmax = 0) AS inserted`,
    [
      provider,
      condition.rule,
      condition.severity,
      condition.message,
      condition.firstAt,
      condition.lastAt,
      condition.count,
    ],
  );
  return rows[0]?.inserted ? rows[0].id : undefined;
}

/** Resolves the open PROVIDER_DOWN alerts of every provider not listed (one left without active points is not down). */
export async function resolveProviderDownExcept(db: Database, providers: readonly string[]): Promise<void> {
  await db.query(
    `UPDATE telemetry_alerts SET status = 'RESOLVED', resolved_at = now()
      WHERE point_code IS NULL AND rule = 'PROVIDER_DOWN' AND status = 'OPEN' AND provider <> ALL($1::text[])`,
    [providers],
  );
}

export async function readAlerts(db: Database, query: { status?: string; point?: string; limit: number }) {
  const { rows } = await db.query<{
    id: string;
    point_code: string | null;
    provider: string | null;
    variable: string;
    rule: string;
    severity: string;
    status: string;
    message: string;
    first_at: Date;
    last_at: Date;
    count: number;
    resolved_at: Date | null;
  }>(
    `SELECT id::text, point_code, provider, variable, rule, severity, status, message, first_at, last_at, count, resolved_at
       FROM telemetry_alerts WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR point_code = $2)
      ORDER BY last_at DESC, id DESC LIMIT $3`,
    [query.status ?? null, query.point ?? null, query.limit],
  );
  return rows.map((row) => ({
    id: row.id,
    point: row.point_code,
    provider: row.provider,
    variable: row.variable,
    rule: row.rule,
    severity: row.severity,
    status: row.status,
    message: row.message,
    firstAt: row.first_at.toISOString(),
    lastAt: row.last_at.toISOString(),
    count: row.count,
    resolvedAt: row.resolved_at?.toISOString() ?? null,
  }));
}
