import type { WeeklyMetric } from '../../../lib/metrics/catalog';
import { advisorScoresSql, round2 } from './advisor-score';
import type { MetricFormula } from '../../../lib/metrics/formula';

/**
 * The weekly metrics (job `weekly_metrics_batch`), over the 7 local days
 * `[:inicio, :fin)` ending `fecha_fin`, compared with the 7 days before, `[:previo_inicio, :inicio)`.
 */
export const WEEKLY_FORMULAS: Record<WeeklyMetric, MetricFormula> = {
  /**
   * Requests created this week, in total (`categoria` null) and per category:
   * `valor` = this week's count; `crecimiento_pct` = 100 × (this − last) / last, null when last week had none.
   */
  tendenciaSolicitudes: {
    outputs: {
      tendencia_solicitudes_semanal: {
        tipo: 'tendencia',
        unidad: 'solicitudes',
        descripcion: 'Solicitudes de la semana y su crecimiento frente a la semana anterior',
      },
    },
    sql: `
      SELECT 'tendencia_solicitudes_semanal' AS nombre, t.esta::float8 AS valor,
             jsonb_build_object(
               'categoria', t.categoria, 'semana_anterior', t.anterior,
               'crecimiento_pct', CASE WHEN t.anterior > 0 THEN ${round2('100.0 * (t.esta - t.anterior) / t.anterior')} END
             ) AS dimensiones
      FROM (
        SELECT categoria_repuesto AS categoria,
               count(*) FILTER (WHERE creada_en >= :inicio) AS esta,
               count(*) FILTER (WHERE creada_en < :inicio) AS anterior
        FROM solicitudes
        WHERE creada_en >= :previo_inicio AND creada_en < :fin
        GROUP BY ROLLUP (categoria_repuesto)
      ) t`,
  },

  /**
   * Per advisor with offers this week: `valor` = this week's score (advisor-score.ts, over the
   * week); `score_anterior` = last week's (null without offers then); `variacion` = the difference.
   */
  evolucionAsesores: {
    outputs: {
      evolucion_asesores_semanal: {
        tipo: 'tendencia',
        unidad: 'puntos',
        descripcion: 'Score semanal del asesor y su variación frente a la semana anterior',
      },
    },
    sql: `
      SELECT 'evolucion_asesores_semanal' AS nombre, w.score AS valor,
             jsonb_build_object(
               'asesor_id', w.asesor_id, 'ofertas', w.ofertas,
               'score_anterior', ${round2('l.score')}, 'variacion', ${round2('w.score - l.score')}
             ) AS dimensiones
      FROM (${advisorScoresSql(':inicio', ':fin')}) w
      LEFT JOIN (${advisorScoresSql(':previo_inicio', ':inicio')}) l USING (asesor_id)`,
  },

  /**
   * Requests created this week, by local time (`:tz`):
   * `demanda_categoria_semanal` = count per category (`participacion_pct` = its share of the week);
   * `demanda_dia_hora_semanal` = count per ISO weekday (1 = Monday) × local hour.
   */
  patronesDemanda: {
    outputs: {
      demanda_categoria_semanal: {
        tipo: 'conteo',
        unidad: 'solicitudes',
        descripcion: 'Solicitudes de la semana por categoría de repuesto',
      },
      demanda_dia_hora_semanal: {
        tipo: 'conteo',
        unidad: 'solicitudes',
        descripcion: 'Solicitudes de la semana por día de la semana (1 = lunes) y hora local',
      },
    },
    sql: `
      WITH s AS (
        SELECT categoria_repuesto AS categoria, creada_en AT TIME ZONE :tz AS local
        FROM solicitudes
        WHERE creada_en >= :inicio AND creada_en < :fin
      )
      SELECT 'demanda_categoria_semanal' AS nombre, count(*)::float8 AS valor,
             jsonb_build_object('categoria', categoria,
                                'participacion_pct', ${round2('100.0 * count(*) / sum(count(*)) OVER ()')}) AS dimensiones
      FROM s GROUP BY categoria
      UNION ALL
      SELECT 'demanda_dia_hora_semanal', count(*)::float8,
             jsonb_build_object('dia_semana', extract(isodow FROM local)::int, 'hora', extract(hour FROM local)::int)
      FROM s GROUP BY extract(isodow FROM local), extract(hour FROM local)`,
  },

  /**
   * Over the requests closed this week with a rating:
   * `satisfaccion_calificacion_media` = mean rating (1–5);
   * `satisfaccion_tasa_positiva` = 100 × ratings ≥ 4 / ratings. No rows when none was rated.
   */
  satisfaccion: {
    outputs: {
      satisfaccion_calificacion_media: {
        tipo: 'promedio',
        unidad: 'estrellas',
        descripcion: 'Calificación media (1–5) de las solicitudes cerradas en la semana',
      },
      satisfaccion_tasa_positiva: {
        tipo: 'tasa',
        unidad: '%',
        descripcion: 'Porcentaje de calificaciones de 4 o 5 estrellas en la semana',
      },
    },
    sql: `
      WITH c AS (
        SELECT count(*) AS calificadas, avg(calificacion::float8) AS media,
               count(*) FILTER (WHERE calificacion >= 4) AS positivas
        FROM solicitudes
        WHERE cerrada_en >= :inicio AND cerrada_en < :fin AND calificacion IS NOT NULL
      )
      SELECT 'satisfaccion_calificacion_media' AS nombre, media AS valor,
             jsonb_build_object('calificadas', calificadas) AS dimensiones
      FROM c WHERE calificadas > 0
      UNION ALL
      SELECT 'satisfaccion_tasa_positiva', 100.0 * positivas / calificadas,
             jsonb_build_object('calificadas', calificadas, 'positivas', positivas)
      FROM c WHERE calificadas > 0`,
  },
};
