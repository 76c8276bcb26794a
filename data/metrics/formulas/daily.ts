import type { DailyMetric } from '../../../lib/metrics/catalog';
import { advisorScoresSql, round2 } from './advisor-score';
import type { MetricFormula } from '../../../lib/metrics/formula';

/** The daily metrics (job `daily_metrics_batch`), over one local day `[:inicio, :fin)`. */
export const DAILY_FORMULAS: Record<DailyMetric, MetricFormula> = {
  /**
   * One row per advisor with offers that day: `valor` = score (advisor-score.ts);
   * `posicion` = 1 for the highest score, ties broken by the lower advisor id.
   */
  rankingAsesores: {
    outputs: {
      ranking_asesores_diario: {
        tipo: 'ranking',
        unidad: 'puntos',
        descripcion: 'Score 0–100 del asesor: 50% tasa de éxito, 30% rapidez de respuesta, 20% valor promedio',
      },
    },
    sql: `
      SELECT 'ranking_asesores_diario' AS nombre, r.score AS valor,
             jsonb_build_object(
               'asesor_id', r.asesor_id, 'asesor', x.nombre, 'ciudad', x.ciudad,
               'posicion', row_number() OVER (ORDER BY r.score DESC, r.asesor_id),
               'ofertas', r.ofertas, 'ofertas_ganadoras', r.ganadoras,
               'tasa_exito', ${round2('r.ganadoras::float8 / r.ofertas')},
               'tiempo_respuesta_medio_min', ${round2('r.tiempo_medio_min')},
               'valor_promedio', ${round2('r.valor_promedio')}) AS dimensiones
      FROM (${advisorScoresSql(':inicio', ':fin')}) r
      JOIN asesores x ON x.id = r.asesor_id
      ORDER BY r.score DESC, r.asesor_id`,
  },

  /**
   * One row per advisor × category offered in that day:
   * `valor` = 100 × offers in the category / all the advisor's offers that day;
   * `principal` marks the advisor's most offered category (ties: alphabetical).
   */
  especializacionAsesores: {
    outputs: {
      especializacion_asesor: {
        tipo: 'distribucion',
        unidad: '%',
        descripcion: 'Porcentaje de las ofertas del asesor en cada categoría de repuesto',
      },
    },
    sql: `
      SELECT 'especializacion_asesor' AS nombre,
             100.0 * c.ofertas / sum(c.ofertas) OVER (PARTITION BY c.asesor_id) AS valor,
             jsonb_build_object(
               'asesor_id', c.asesor_id, 'categoria', c.categoria,
               'ofertas', c.ofertas, 'ofertas_ganadoras', c.ganadoras,
               'tasa_exito', ${round2('c.ganadoras::float8 / c.ofertas')},
               'principal', row_number() OVER (PARTITION BY c.asesor_id ORDER BY c.ofertas DESC, c.categoria) = 1
             ) AS dimensiones
      FROM (
        SELECT o.asesor_id, s.categoria_repuesto AS categoria,
               count(*) AS ofertas, count(*) FILTER (WHERE o.ganadora) AS ganadoras
        FROM ofertas o
        JOIN solicitudes s ON s.id = o.solicitud_id
        WHERE o.creada_en >= :inicio AND o.creada_en < :fin
        GROUP BY 1, 2
      ) c`,
  },

  /**
   * Over the requests created that day, per city:
   * `conversion_ciudad` = 100 × requests with a winning offer / requests;
   * `valor_ganador_promedio_ciudad` = mean value of those winning offers (cities with one or more).
   * Counted as of the run: a winner chosen after the run counts when the day is run again.
   */
  conversionCiudad: {
    outputs: {
      conversion_ciudad: {
        tipo: 'tasa',
        unidad: '%',
        descripcion: 'Porcentaje de solicitudes del día que tienen una oferta ganadora',
      },
      valor_ganador_promedio_ciudad: {
        tipo: 'promedio',
        unidad: 'CLP',
        descripcion: 'Valor promedio de las ofertas ganadoras de las solicitudes del día',
      },
    },
    sql: `
      WITH c AS (
        SELECT s.ciudad, count(*) AS solicitudes, count(w.solicitud_id) AS convertidas,
               avg(w.valor::float8) AS valor_ganador_promedio
        FROM solicitudes s
        LEFT JOIN ofertas w ON w.solicitud_id = s.id AND w.ganadora
        WHERE s.creada_en >= :inicio AND s.creada_en < :fin
        GROUP BY s.ciudad
      )
      SELECT 'conversion_ciudad' AS nombre, 100.0 * convertidas / solicitudes AS valor,
             jsonb_build_object('ciudad', ciudad, 'solicitudes', solicitudes, 'convertidas', convertidas) AS dimensiones
      FROM c
      UNION ALL
      SELECT 'valor_ganador_promedio_ciudad', valor_ganador_promedio,
             jsonb_build_object('ciudad', ciudad, 'convertidas', convertidas)
      FROM c WHERE convertidas > 0`,
  },

  /**
   * Per advisor, over the offers made that day, the response time
   * (`ofertas.creada_en − solicitudes.creada_en`, minutes): three rows, `estadistico` = `media`,
   * `mediana` (continuous 50th percentile) and `p90` (continuous 90th percentile).
   */
  tiempoRespuestaAsesor: {
    outputs: {
      tiempo_respuesta_asesor: {
        tipo: 'estadistica',
        unidad: 'minutos',
        descripcion: 'Tiempo entre la solicitud y la oferta del asesor: media, mediana y p90',
      },
    },
    sql: `
      SELECT 'tiempo_respuesta_asesor' AS nombre, e.valor,
             jsonb_build_object('asesor_id', t.asesor_id, 'estadistico', e.estadistico, 'ofertas', t.ofertas) AS dimensiones
      FROM (
        SELECT o.asesor_id, count(*) AS ofertas,
               avg(m.minutos) AS media,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY m.minutos) AS mediana,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY m.minutos) AS p90
        FROM ofertas o
        JOIN solicitudes s ON s.id = o.solicitud_id
        CROSS JOIN LATERAL (SELECT extract(epoch FROM o.creada_en - s.creada_en)::float8 / 60 AS minutos) m
        WHERE o.creada_en >= :inicio AND o.creada_en < :fin
        GROUP BY o.asesor_id
      ) t
      CROSS JOIN LATERAL (VALUES ('media', t.media), ('mediana', t.mediana), ('p90', t.p90)) e(estadistico, valor)`,
  },
};
