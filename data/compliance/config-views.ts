import type { Database } from '../../lib/db';
import { MANUAL_STANDARDS, type ConfigStatus, type Standard } from '../../lib/compliance/config';

/** Configurations as the API shows them, and the regulators they report to (`compliance_sources`). */

export interface ConfigRecord {
  id: string;
  point_code: string;
  source: string;
  standard: Standard;
  dga_codigo_obra: string | null;
  dga_work_kind: string | null;
  sma_uf_id: string | null;
  sma_proceso_id: string | null;
  sma_dispositivo_id: string | null;
  sma_parameters: string[];
  credentials_ref: string;
  active_from: string;
  active_to: string | null;
  status: ConfigStatus;
  blocked_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

export const CONFIG_VIEW_COLUMNS = `id, point_code, source, standard, dga_codigo_obra, dga_work_kind, sma_uf_id, sma_proceso_id,
  sma_dispositivo_id, sma_parameters, credentials_ref, to_char(active_from, 'YYYY-MM-DD') AS active_from,
  to_char(active_to, 'YYYY-MM-DD') AS active_to, status, blocked_reason, created_at, updated_at`;

export function toConfig(row: ConfigRecord) {
  return {
    id: Number(row.id),
    pointCode: row.point_code,
    source: row.source,
    standard: row.standard,
    manual: MANUAL_STANDARDS.includes(row.standard),
    dga: row.dga_codigo_obra ? { codigoObra: row.dga_codigo_obra, workKind: row.dga_work_kind ?? '' } : null,
    sma: row.sma_uf_id
      ? {
          ufId: row.sma_uf_id,
          procesoId: row.sma_proceso_id ?? '',
          dispositivoId: row.sma_dispositivo_id ?? '',
          parameters: row.sma_parameters,
        }
      : null,
    credentialsRef: row.credentials_ref,
    activeFrom: row.active_from,
    activeTo: row.active_to,
    status: row.status,
    blockedReason: row.blocked_reason,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
export type ComplianceConfigView = ReturnType<typeof toConfig>;

export async function readConfig(db: Database, id: number) {
  const { rows } = await db.query<ConfigRecord>(`SELECT ${CONFIG_VIEW_COLUMNS} FROM compliance_configs WHERE id = $1`, [
    id,
  ]);
  return rows[0] ? toConfig(rows[0]) : undefined;
}

export async function listConfigs(
  db: Database,
  filters: { point?: string; source?: string; status?: string; limit: number; offset: number },
) {
  const where = `WHERE ($1::text IS NULL OR point_code = $1) AND ($2::text IS NULL OR source = $2)
                   AND ($3::text IS NULL OR status = $3)`;
  const params = [filters.point ?? null, filters.source ?? null, filters.status ?? null];
  const { rows } = await db.query<ConfigRecord>(
    `SELECT ${CONFIG_VIEW_COLUMNS} FROM compliance_configs ${where} ORDER BY id LIMIT $4 OFFSET $5`,
    [...params, filters.limit, filters.offset],
  );
  const total = await db.query<{ n: string }>(`SELECT count(*) AS n FROM compliance_configs ${where}`, params);
  return { items: rows.map(toConfig), total: Number(total.rows[0]!.n) };
}

/** The work's sending row: its last plan's state, when it is looked at again, and whether it is being sent. */
export async function readWorkSending(db: Database, configId: number) {
  const { rows } = await db.query<{ sendState: string; nextPlanAt: Date | null; claimed: boolean }>(
    `SELECT send_state AS "sendState", nullif(nullif(next_plan_at, 'infinity'), '-infinity') AS "nextPlanAt",
            coalesce(claimed_until > now(), false) AS claimed
       FROM compliance_configs WHERE id = $1`,
    [configId],
  );
  return rows[0] ?? { sendState: 'idle', nextPlanAt: null, claimed: false };
}

export async function listSources(db: Database) {
  const { rows } = await db.query<{ code: string; name: string; variables: string[]; active: boolean }>(
    'SELECT code, name, variables, active FROM compliance_sources ORDER BY code',
  );
  return rows;
}
