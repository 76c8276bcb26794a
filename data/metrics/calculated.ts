import type { Database, Queryable } from '../../lib/db';
import { bindNamed, type FormulaParameters, type MetricFormula } from '../../lib/metrics/formula';

/** The calculated metrics (`metricas_calculadas`): their only writer, and the API's reads. */

/**
 * Replaces one period's rows of a metric with a fresh computation, inside the caller's
 * transaction: delete the period's rows of the formula's names, then insert what it computes now.
 * Running it again for the same period leaves the same rows, never more.
 */
export async function replacePeriodRows(
  client: Queryable,
  formula: MetricFormula,
  parameters: FormulaParameters,
  retentionDays: number,
): Promise<number> {
  const nombres = Object.keys(formula.outputs);
  // Two runs replacing the same period at once would each delete only the old rows and both
  // insert (READ COMMITTED): serialise them on the period until commit.
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
    `metricas_calculadas:${nombres.join(',')}:${parameters.inicio}:${parameters.fin}`,
  ]);
  await client.query(
    'DELETE FROM metricas_calculadas WHERE nombre = ANY($1) AND periodo_inicio = $2 AND periodo_fin = $3',
    [nombres, parameters.inicio, parameters.fin],
  );
  const { text, values } = bindNamed(formula.sql, parameters);
  const at = (offset: number) => `$${values.length + offset}`;
  const outputs = Object.entries(formula.outputs);
  // A row whose name has no output description fails on `tipo NOT NULL` rather than vanishing.
  const inserted = await client.query(
    `WITH filas AS (${text}),
          meta AS (SELECT * FROM unnest(${at(1)}::text[], ${at(2)}::text[], ${at(3)}::text[], ${at(4)}::text[])
                   AS m (nombre, tipo, unidad, descripcion))
     INSERT INTO metricas_calculadas
       (nombre, tipo, valor, descripcion, unidad, dimensiones, periodo_inicio, periodo_fin, expira_en)
     SELECT f.nombre, m.tipo, f.valor, m.descripcion, m.unidad, f.dimensiones,
            ${at(5)}::timestamptz, ${at(6)}::timestamptz, ${at(6)}::timestamptz + make_interval(days => ${at(7)}::int)
     FROM filas f LEFT JOIN meta m USING (nombre)`,
    [
      ...values,
      outputs.map(([nombre]) => nombre),
      outputs.map(([, output]) => output.tipo),
      outputs.map(([, output]) => output.unidad),
      outputs.map(([, output]) => output.descripcion),
      parameters.inicio,
      parameters.fin,
      retentionDays,
    ],
  );
  return inserted.rowCount ?? 0;
}

/** Deletes the metric rows whose `expira_en` is before `asOf` (one statement: all or nothing). */
export async function deleteExpiredMetrics(db: Pick<Database, 'query'>, asOf: string): Promise<number> {
  const deleted = await db.query('DELETE FROM metricas_calculadas WHERE expira_en < $1', [asOf]);
  return deleted.rowCount ?? 0;
}

/** A row of `metricas_calculadas` as the API shows it: the column names, instants as JSON text. */
export interface CalculatedMetricRow {
  id: number;
  nombre: string;
  tipo: string;
  valor: number;
  descripcion: string | null;
  unidad: string;
  dimensiones: Record<string, unknown>;
  periodo_inicio: string;
  periodo_fin: string;
  calculado_en: string;
  expira_en: string;
}

/** The newest computation first, each in the order it was written (a ranking by position). */
export async function readCalculatedMetrics(
  db: Pick<Database, 'query'>,
  filter: { nombre: string | null; limit: number },
): Promise<CalculatedMetricRow[]> {
  const { rows } = await db.query<CalculatedMetricRow>(
    `SELECT id::int AS id, nombre, tipo, valor, descripcion, unidad, dimensiones,
            to_json(periodo_inicio) #>> '{}' AS periodo_inicio, to_json(periodo_fin) #>> '{}' AS periodo_fin,
            to_json(calculado_en) #>> '{}' AS calculado_en, to_json(expira_en) #>> '{}' AS expira_en
     FROM metricas_calculadas
     WHERE $1::text IS NULL OR nombre = $1
     ORDER BY calculado_en DESC, id
     LIMIT $2`,
    [filter.nombre, filter.limit],
  );
  return rows;
}
