import type { Database } from '../../lib/db';

/**
 * Deterministic demo data for the metric batches: a spare-parts marketplace with advisors in a
 * few cities, requests during local business hours (fewer at weekends), 3–5 offers per request
 * from advisors who favour a few categories, response times that differ by advisor, winners,
 * closings and ratings. The same options give the same rows, so tests and benchmarks compare.
 *
 * Everything is generated set-based inside PostgreSQL (millions of rows in seconds): each
 * pseudo-random draw is `hashint8extended(row, seed · 64 + k)` scaled to [0, 1).
 */
export interface MetricsDemoOptions {
  seed: number;
  /** First local day with requests (`YYYY-MM-DD`). */
  firstDate: string;
  days: number;
  /** Mean requests per day; weekdays get more than weekends. */
  requestsPerDay: number;
  advisors: number;
  timeZone: string;
  /** `eventos` per day, over `eventDays` days ending with the last request day (cleanup has old ones to delete). */
  eventsPerDay?: number;
  eventDays?: number;
}

export const CITIES = ['Santiago', 'Valparaíso', 'Concepción', 'La Serena', 'Antofagasta', 'Temuco', 'Rancagua'];
export const CATEGORIES = [
  'frenos',
  'suspension',
  'motor',
  'transmision',
  'electrico',
  'carroceria',
  'neumaticos',
  'filtros',
  'escape',
  'refrigeracion',
];
/** Typical offer value per category, CLP. */
const BASE_VALUE = [45_000, 80_000, 250_000, 320_000, 60_000, 150_000, 90_000, 20_000, 70_000, 55_000];

const literalArray = (values: readonly (string | number)[]) =>
  `ARRAY[${values.map((value) => (typeof value === 'number' ? String(value) : `'${value}'`)).join(',')}]`;

export async function generateMetricsDemoData(db: Database, options: MetricsDemoOptions) {
  const { seed, firstDate, days, requestsPerDay, advisors, timeZone } = options;
  // `u(row, k)`: the k-th uniform draw of a row, in [0, 1).
  const u = (row: string, k: number) =>
    `((hashint8extended((${row})::bigint, ${seed * 64 + k}) & 4503599627370495)::float8 / 4503599627370496.0)`;
  const cities = literalArray(CITIES);
  const categories = literalArray(CATEGORIES);
  const perCategory = Math.max(1, Math.floor(advisors / CATEGORIES.length));

  await db.withTransaction(async (client) => {
    await client.query(
      `INSERT INTO asesores (id, nombre, ciudad, activo)
       SELECT a, 'Asesor ' || lpad(a::text, 4, '0'), (${cities})[1 + floor(${u('a', 1)} ^ 1.6 * ${CITIES.length})::int],
              ${u('a', 2)} > 0.05
       FROM generate_series(1, $1::int) a`,
      [advisors],
    );
    // Request ids are consecutive per day: a day's count, offset by the days before it.
    await client.query(
      `WITH dias AS (
         SELECT d, $1::date + d AS fecha,
                round($2::float8 * CASE WHEN extract(isodow FROM $1::date + d) IN (6, 7) THEN 0.6 ELSE 1.16 END
                      * (0.85 + 0.3 * ${u('d', 3)}))::int AS n
         FROM generate_series(0, $3::int - 1) d),
       desde AS (SELECT *, sum(n) OVER (ORDER BY d) - n AS offset_id FROM dias),
       base AS (
         SELECT offset_id + k AS id, fecha FROM desde, generate_series(1, n) k),
       s AS (
         SELECT id,
                ((fecha::timestamp + make_interval(secs => 21600 + 57600 * (${u('id', 4)} + ${u('id', 5)}) / 2))
                  AT TIME ZONE $4::text) AS creada_en,
                1 + floor(${u('id', 6)} ^ 1.6 * ${CITIES.length})::int AS ciudad,
                1 + floor(${u('id', 7)} * ${CATEGORIES.length})::int AS categoria,
                make_interval(secs => 3600 * (1 + 47 * ${u('id', 13)} ^ 2)) AS demora_cierre,
                ${u('id', 10)} AS suerte, ${u('id', 14)} AS califica, ${u('id', 15)} AS nota
         FROM base),
       fin AS (SELECT (($1::date + $3::int)::timestamp AT TIME ZONE $4::text) AS instante)
       INSERT INTO solicitudes (id, cliente_id, ciudad, categoria_repuesto, creada_en, cerrada_en, estado, calificacion)
       SELECT s.id, 1 + floor(${u('s.id', 8)} ^ 2 * 50000)::bigint, (${cities})[s.ciudad], (${categories})[s.categoria],
              s.creada_en,
              CASE WHEN g.ganada THEN s.creada_en + s.demora_cierre WHEN g.vencida THEN s.creada_en + interval '72 hours' END,
              CASE WHEN g.ganada THEN 'cerrada' WHEN g.vencida THEN 'expirada' ELSE 'abierta' END,
              CASE WHEN g.ganada AND s.califica < 0.7 THEN
                CASE WHEN s.nota < 0.45 THEN 5 WHEN s.nota < 0.75 THEN 4 WHEN s.nota < 0.88 THEN 3 WHEN s.nota < 0.95 THEN 2 ELSE 1 END
              END
       FROM s, fin,
            LATERAL (SELECT s.suerte < 0.55 + 0.04 * (s.ciudad % 4) AND s.creada_en + s.demora_cierre < fin.instante AS ganada,
                            s.creada_en + interval '72 hours' < fin.instante AS vencida) g`,
      [firstDate, requestsPerDay, days, timeZone],
    );
    // Offer j of request s has id 8·s + j. A winning request's winner is one of its offers.
    await client.query(
      `INSERT INTO ofertas (id, solicitud_id, asesor_id, creada_en, valor, ganadora)
       SELECT o.id, s.id, o.asesor_id,
              s.creada_en + make_interval(secs => 60 * (3 + 180 * ${u('o.id', 23)} ^ 2.5) * (0.5 + (o.asesor_id % 7) / 6.0)),
              greatest(1, round((${literalArray(BASE_VALUE)})[c.idx] * (0.6 + 0.8 * ${u('o.id', 24)})))::int,
              s.estado = 'cerrada' AND j = 1 + floor(${u('s.id', 11)} * c.k)::int
       FROM solicitudes s
       CROSS JOIN LATERAL (SELECT array_position(${categories}, s.categoria_repuesto) AS idx,
                                  3 + floor(${u('s.id', 9)} * 3)::int AS k) c
       CROSS JOIN LATERAL generate_series(1, c.k) j
       CROSS JOIN LATERAL (SELECT s.id * 8 + j AS id) i
       CROSS JOIN LATERAL (
         SELECT i.id,
                CASE WHEN ${u('i.id', 21)} < 0.6
                  THEN least($1::int, c.idx + ${CATEGORIES.length} * floor(${u('i.id', 22)} * $2::int)::int)
                  ELSE 1 + floor(${u('i.id', 22)} * $1::int)::int END AS asesor_id) o
`,
      [advisors, perCategory],
    );
    const eventDays = options.eventDays ?? 0;
    const eventsPerDay = options.eventsPerDay ?? 0;
    if (eventDays > 0 && eventsPerDay > 0) {
      await client.query(
        `INSERT INTO eventos (tipo, ocurrido_en, payload)
         SELECT (ARRAY['solicitud_creada','oferta_enviada','oferta_aceptada','sesion_iniciada'])[1 + floor(${u('n', 31)} * 4)::int],
                (($1::date + $2::int - 1 - (n / $3::int))::timestamp + make_interval(secs => 86400 * ${u('n', 32)}))
                  AT TIME ZONE $4::text,
                jsonb_build_object('n', n)
         FROM generate_series(0, $5::int * $3::int - 1) n`,
        [firstDate, days, eventsPerDay, timeZone, eventDays],
      );
    }
  });
  await db.query('ANALYZE asesores, solicitudes, ofertas, eventos');
  const counts = await db.query<{ asesores: bigint; solicitudes: bigint; ofertas: bigint; eventos: bigint }>(
    `SELECT (SELECT count(*) FROM asesores) AS asesores, (SELECT count(*) FROM solicitudes) AS solicitudes,
            (SELECT count(*) FROM ofertas) AS ofertas, (SELECT count(*) FROM eventos) AS eventos`,
  );
  const row = counts.rows[0];
  return {
    asesores: Number(row?.asesores),
    solicitudes: Number(row?.solicitudes),
    ofertas: Number(row?.ofertas),
    eventos: Number(row?.eventos),
  };
}
