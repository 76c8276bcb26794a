import type { Queryable } from '../../lib/db';
import { bindNamed, type FormulaParameters, type MetricFormula } from './formulas/types';

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
