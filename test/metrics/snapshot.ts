import type { Database } from '../../lib/db';

/** Every stored metric row without what differs between two correct runs (`id`, `calculado_en`). */
export async function metricsSnapshot(db: Database) {
  const { rows } = await db.query(
    `SELECT nombre, tipo, valor, descripcion, unidad, dimensiones, periodo_inicio, periodo_fin, expira_en
     FROM metricas_calculadas ORDER BY nombre, periodo_inicio, periodo_fin, dimensiones::text, valor`,
  );
  return rows;
}
