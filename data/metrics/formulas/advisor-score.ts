/**
 * The advisor performance score, shared by the daily ranking and the weekly evolution.
 *
 * Over the offers an advisor made in a window (by `ofertas.creada_en`):
 *
 *   tasa_exito        = ganadoras / ofertas
 *   tiempo_medio_min  = mean(ofertas.creada_en − solicitudes.creada_en), in minutes
 *   valor_relativo    = valor_promedio / max(valor_promedio over every advisor in the window)
 *   score             = 100 × (0.5 × tasa_exito + 0.3 / (1 + tiempo_medio_min / 60) + 0.2 × valor_relativo)
 *
 * Winning counts most; answering within the hour keeps most of the speed term (an answer after
 * one hour earns half of it); a larger mean offer value earns up to a fifth. Range 0–100.
 */
export function advisorScoresSql(from: string, to: string): string {
  return `
    SELECT a.*,
           100 * (0.5 * a.ganadoras::float8 / a.ofertas
                  + 0.3 / (1 + a.tiempo_medio_min / 60)
                  + 0.2 * a.valor_promedio / max(a.valor_promedio) OVER ()) AS score
    FROM (
      SELECT o.asesor_id,
             count(*) AS ofertas,
             count(*) FILTER (WHERE o.ganadora) AS ganadoras,
             avg(extract(epoch FROM o.creada_en - s.creada_en)::float8 / 60) AS tiempo_medio_min,
             avg(o.valor::float8) AS valor_promedio
      FROM ofertas o
      JOIN solicitudes s ON s.id = o.solicitud_id
      WHERE o.creada_en >= ${from} AND o.creada_en < ${to}
      GROUP BY o.asesor_id
    ) a`;
}

/** Two decimals for the dimensions an operator reads; `valor` keeps full precision. */
export const round2 = (expression: string) => `round((${expression})::numeric, 2)`;
