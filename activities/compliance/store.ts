import type { QueryResult, QueryResultRow } from 'pg';
import type { Source, Standard, WorkKind } from '../../lib/compliance/standards';

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
  status: 'ACTIVE' | 'INACTIVE' | 'BLOCKED';
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
