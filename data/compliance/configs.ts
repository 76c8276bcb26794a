import { setClause } from '../../lib/sql';
import type { QueryResult, QueryResultRow } from 'pg';
import type { ConfigStatus, Source, Standard, WorkKind } from '../../lib/compliance/config';
import { MANUAL_STANDARDS } from '../../lib/compliance/standards';
import { CONFIG_VIEW_COLUMNS, toConfig, type ComplianceConfigView, type ConfigRecord } from './config-views';

/**
 * Every write of `compliance_configs`: the API's create, change and deactivation; the sending
 * path's block and last send; the sender's claims (`next_plan_at`, `claimed_by`, `send_state`).
 */

/** The database module or a transaction's client. */
export interface QueryRunner {
  query<R extends QueryResultRow>(text: string, params?: unknown[]): Promise<QueryResult<R>>;
}

/** A configuration as the sending path reads it (no secret: `credentialsRef` is a name). */
export interface ComplianceConfigRow {
  id: string;
  pointCode: string;
  source: Source;
  standard: Standard;
  codigoObra: string | null;
  workKind: WorkKind | null;
  smaUfId: string | null;
  smaProcesoId: string | null;
  smaDispositivoId: string | null;
  smaParameters: string[];
  credentialsRef: string;
  activeFrom: string;
  activeTo: string | null;
  status: ConfigStatus;
  blockedReason: string | null;
  lastSendAt: Date | null;
  /** Who sends the work now (a sender batch, an operator's slot workflow), and until when at most. */
  claimedBy: string | null;
  claimedUntil: Date | null;
}

const CONFIG_COLUMNS = `id::text, point_code AS "pointCode", source, standard, dga_codigo_obra AS "codigoObra",
  dga_work_kind AS "workKind", sma_uf_id AS "smaUfId", sma_proceso_id AS "smaProcesoId",
  sma_dispositivo_id AS "smaDispositivoId", sma_parameters AS "smaParameters", credentials_ref AS "credentialsRef",
  active_from::text AS "activeFrom", active_to::text AS "activeTo", status, blocked_reason AS "blockedReason",
  last_send_at AS "lastSendAt", claimed_by AS "claimedBy", claimed_until AS "claimedUntil"`;

/** With `lock`, the row is locked FOR UPDATE: every send of a work serializes on it. */
export async function loadComplianceConfig(
  db: QueryRunner,
  configId: string,
  lock = false,
): Promise<ComplianceConfigRow | undefined> {
  const { rows } = await db.query<ComplianceConfigRow>(
    `SELECT ${CONFIG_COLUMNS} FROM compliance_configs WHERE id = $1::bigint${lock ? ' FOR UPDATE' : ''}`,
    [configId],
  );
  return rows[0];
}

/** Stops a configuration's sending after an error resending cannot fix; an operator's update reopens it. */
export async function blockConfig(db: QueryRunner, configId: string, reason: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE compliance_configs SET status = 'BLOCKED', blocked_reason = $2, updated_at = now()
      WHERE id = $1::bigint AND status = 'ACTIVE'`,
    [configId, reason.slice(0, 500)],
  );
  return (rowCount ?? 0) > 0;
}

/** The work's latest send ended at `at` (or later): its next send keeps the spacing after it. */
export async function recordLastSend(db: QueryRunner, configId: string, at: Date): Promise<void> {
  await db.query('UPDATE compliance_configs SET last_send_at = GREATEST(last_send_at, $2) WHERE id = $1::bigint', [
    configId,
    at,
  ]);
}

/** The fields a new configuration names (the API's validated body). */
export interface NewConfig {
  pointCode: string;
  source: Source;
  standard: Standard;
  dga?: { codigoObra: string; workKind: WorkKind };
  sma?: { ufId: string; procesoId: string; dispositivoId: string; parameters?: string[] };
  credentialsRef: string;
  activeFrom: string;
  activeTo?: string | null;
}

/** Throws PostgreSQL's unique violation (23505) when the point or the work is already reported there. */
export async function insertConfig(db: QueryRunner, config: NewConfig): Promise<ComplianceConfigView> {
  const { rows } = await db.query<ConfigRecord>(
    `INSERT INTO compliance_configs (point_code, source, standard, dga_codigo_obra, dga_work_kind, sma_uf_id,
                                     sma_proceso_id, sma_dispositivo_id, sma_parameters, credentials_ref, active_from,
                                     active_to)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, COALESCE($9, ARRAY['Q', 'VA', 'NF']), $10, $11, $12)
     RETURNING ${CONFIG_VIEW_COLUMNS}`,
    [
      config.pointCode,
      config.source,
      config.standard,
      config.dga?.codigoObra ?? null,
      config.dga?.workKind ?? null,
      config.sma?.ufId ?? null,
      config.sma?.procesoId ?? null,
      config.sma?.dispositivoId ?? null,
      config.sma?.parameters ?? null,
      config.credentialsRef,
      config.activeFrom,
      config.activeTo ?? null,
    ],
  );
  return toConfig(rows[0]!);
}

/**
 * The local stack's demo configuration of a point, unless the point already reports to that
 * regulator; it reports from the day before today on the regulators' UTC−4 calendar.
 */
export async function insertDemoConfig(
  db: QueryRunner,
  config: Pick<NewConfig, 'pointCode' | 'source' | 'standard' | 'credentialsRef'> & {
    dga: { codigoObra: string; workKind: WorkKind } | null;
    sma: { ufId: string | null; procesoId: string | null; dispositivoId: string | null };
  },
): Promise<void> {
  await db.query(
    `INSERT INTO compliance_configs (point_code, source, standard, dga_codigo_obra, dga_work_kind, sma_uf_id,
                                     sma_proceso_id, sma_dispositivo_id, credentials_ref, active_from)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, ((now() AT TIME ZONE 'UTC') - interval '4 hours')::date - 1
      WHERE NOT EXISTS (SELECT 1 FROM compliance_configs WHERE point_code = $1 AND source = $2)`,
    [
      config.pointCode,
      config.source,
      config.standard,
      config.dga?.codigoObra ?? null,
      config.dga?.workKind ?? null,
      config.sma.ufId,
      config.sma.procesoId,
      config.sma.dispositivoId,
      config.credentialsRef,
    ],
  );
}

/** An operator's change (undefined = unchanged). */
export interface ConfigChanges {
  standard?: Standard;
  dga?: { codigoObra: string; workKind: WorkKind };
  sma?: { ufId: string; procesoId: string; dispositivoId: string; parameters?: string[] };
  credentialsRef?: string;
  activeFrom?: string;
  activeTo?: string | null;
  status?: 'ACTIVE' | 'INACTIVE';
}

/** Throws PostgreSQL's unique violation (23505) when another configuration reports the work. */
export async function updateConfig(db: QueryRunner, id: number, changes: ConfigChanges): Promise<ComplianceConfigView> {
  const columns: Record<string, unknown> = {
    standard: changes.standard,
    dga_codigo_obra: changes.dga?.codigoObra,
    dga_work_kind: changes.dga?.workKind,
    sma_uf_id: changes.sma?.ufId,
    sma_proceso_id: changes.sma?.procesoId,
    sma_dispositivo_id: changes.sma?.dispositivoId,
    sma_parameters: changes.sma?.parameters,
    credentials_ref: changes.credentialsRef,
    active_from: changes.activeFrom,
    active_to: changes.activeTo,
    status: changes.status,
    // any change is the operator's answer to what blocked it
    blocked_reason: changes.status ? null : undefined,
  };
  // Only the columns it names, numbered after the id ($1); names come from the list above.
  const set = setClause(columns, 2);
  const { rows } = await db.query<ConfigRecord>(
    `UPDATE compliance_configs SET ${set.sql}, updated_at = now()
      WHERE id = $1 RETURNING ${CONFIG_VIEW_COLUMNS}`,
    [id, ...set.values],
  );
  return toConfig(rows[0]!);
}

/** An operator's DELETE: the configuration stops, its ledger stays. Undefined when there is no such one. */
export async function deactivateConfig(db: QueryRunner, id: number): Promise<ComplianceConfigView | undefined> {
  const { rows } = await db.query<ConfigRecord>(
    `UPDATE compliance_configs SET status = 'INACTIVE', updated_at = now() WHERE id = $1 RETURNING ${CONFIG_VIEW_COLUMNS}`,
    [id],
  );
  return rows[0] ? toConfig(rows[0]) : undefined;
}

/**
 * The sender's works. INACTIVE works are planned too: one with sends left without an answer
 * resolves them; one without is released until it changes (`next_plan_at` infinity), at no cost.
 */
const AUTOMATIC = `status IN ('ACTIVE', 'INACTIVE') AND NOT (standard = ANY($1::text[]))`;

/** The due works of a configuration created or changed: planned at the next claim. */
export async function wakeWorks(db: QueryRunner, configIds: readonly string[]): Promise<void> {
  if (configIds.length === 0) return;
  await db.query(
    `UPDATE compliance_configs SET next_plan_at = '-infinity'
      WHERE id = ANY($1::bigint[]) AND status IN ('ACTIVE', 'INACTIVE')`,
    [configIds],
  );
}

/**
 * Claims one work due now that nobody holds, the longest due first, until `leaseUntil` (SKIP
 * LOCKED: lanes and workers claiming at once never wait on each other or take the same work).
 */
export async function claimDueWork(
  db: QueryRunner,
  now: Date,
  owner: string,
  leaseUntil: Date,
): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE compliance_configs SET claimed_by = $2, claimed_until = $3
      WHERE id = (SELECT id FROM compliance_configs
                   WHERE ${AUTOMATIC} AND next_plan_at <= $4 AND (claimed_until IS NULL OR claimed_until <= $4)
                   ORDER BY next_plan_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING id::text`,
    [MANUAL_STANDARDS, owner, leaseUntil, now],
  );
  return rows[0]?.id;
}

/** Claims one work for `owner` until `leaseUntil`, unless someone else holds it. */
export async function claimWork(
  db: QueryRunner,
  now: Date,
  configId: string,
  owner: string,
  leaseUntil: Date,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE compliance_configs SET claimed_by = $2, claimed_until = $3
      WHERE id = $1::bigint AND (claimed_by IS NULL OR claimed_by = $2 OR claimed_until <= $4)`,
    [configId, owner, leaseUntil, now],
  );
  return (rowCount ?? 0) > 0;
}

/** Works still claimed by `owner`: an earlier attempt of the same batch died while sending them. */
export async function claimedBy(db: QueryRunner, owner: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT id::text FROM compliance_configs WHERE claimed_by = $1 ORDER BY id',
    [owner],
  );
  return rows.map((r) => r.id);
}

/** When the next work nobody holds comes due (null: none will until one changes). */
export async function nextDueAt(db: QueryRunner, now: Date): Promise<string | null> {
  const { rows } = await db.query<{ at: Date | null }>(
    `SELECT min(GREATEST(next_plan_at, coalesce(claimed_until, next_plan_at), $2)) AS at FROM compliance_configs
      WHERE ${AUTOMATIC} AND next_plan_at < 'infinity'`,
    [MANUAL_STANDARDS, now],
  );
  const at = rows[0]?.at;
  return at ? at.toISOString() : null;
}

/** Gives the work back with its plan's state and when to look again (`infinity`: never); only its owner can. */
export async function releaseWork(
  db: QueryRunner,
  configId: string,
  owner: string,
  release: { nextAt: string; state: string; reason: string | undefined },
): Promise<void> {
  await db.query(
    `UPDATE compliance_configs SET claimed_by = NULL, claimed_until = NULL, next_plan_at = $3::timestamptz,
            send_state = $4, send_reason = $5
      WHERE id = $1::bigint AND claimed_by = $2`,
    [configId, owner, release.nextAt, release.state, release.reason?.slice(0, 500) ?? null],
  );
}
