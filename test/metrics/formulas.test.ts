import { MockActivityEnvironment } from '@temporalio/testing';
import { createMetricsActivities } from '../../activities/metrics';
import { dayPeriod, weekPeriod } from '../../lib/metrics/periods';
import { createTestContext, type TestContext } from '../harness/context';
import { FIXTURE_TZ, insertMetricsFixture } from '../fixtures/metrics-fixture';

/**
 * Each formula against the hand-sized fixture, with the numbers worked out by hand.
 *
 * Day 2026-03-10, offers made that day (minutes after the request, value, winner):
 *   advisor 1: 30 min 40 000 W · 60 min 200 000 · 30 min 35 000   → 3 offers, 1 win, mean 40 min, mean 91 666.67
 *   advisor 2: 60 min 50 000 · 120 min 45 000 W                   → 2 offers, 1 win, mean 90 min, mean 47 500
 *   advisor 3: 20 min 300 000 · 60 min 60 000 W                   → 2 offers, 1 win, mean 40 min, mean 180 000 (max)
 * (offer 1008 is made on the 11th, offer 1009 on the 5th: outside the day).
 */
describe('metric formulas on a hand-computed fixture', () => {
  let t: TestContext;
  let activities: ReturnType<typeof createMetricsActivities>;
  // Activities heartbeat, so they run in an activity context.
  const run = <I, O>(activity: (input: I) => Promise<O>, input: I) =>
    new MockActivityEnvironment().run(activity, input);
  const day = { periodo: dayPeriod('2026-03-10', FIXTURE_TZ), timeZone: FIXTURE_TZ };
  const week = { periodo: weekPeriod('2026-03-15', FIXTURE_TZ), timeZone: FIXTURE_TZ };

  beforeAll(async () => {
    t = await createTestContext();
    activities = createMetricsActivities({ db: t.db });
    await insertMetricsFixture(t.db);
  });
  afterAll(() => t.close());

  async function rows(nombre: string, periodo: { inicio: string; fin: string } = day.periodo) {
    const result = await t.db.query<{
      valor: number;
      dimensiones: Record<string, unknown>;
      unidad: string;
      tipo: string;
    }>(
      `SELECT valor, dimensiones, unidad, tipo FROM metricas_calculadas
       WHERE nombre = $1 AND periodo_inicio = $2 AND periodo_fin = $3 ORDER BY id`,
      [nombre, periodo.inicio, periodo.fin],
    );
    return result.rows;
  }
  const byAdvisor = <R extends { dimensiones: Record<string, unknown> }>(list: R[]) =>
    new Map(list.map((row) => [row.dimensiones.asesor_id, row]));

  it('ranking: score = 100 × (0.5 × win rate + 0.3 / (1 + minutes/60) + 0.2 × value / max value), ranked', async () => {
    expect(await run(activities.rankingAsesores, day)).toEqual({ rows: 3 });
    const ranking = byAdvisor(await rows('ranking_asesores_diario'));
    // advisor 1: 100 × (0.5/3 + 0.3/(1 + 40/60) + 0.2 × 91 666.67/180 000) = 16.667 + 18 + 10.185
    expect(ranking.get(1)?.valor).toBeCloseTo(44.8519, 3);
    // advisor 2: 100 × (0.25 + 0.3/2.5 + 0.2 × 47 500/180 000) = 25 + 12 + 5.278
    expect(ranking.get(2)?.valor).toBeCloseTo(42.2778, 3);
    // advisor 3: 100 × (0.25 + 0.18 + 0.2)
    expect(ranking.get(3)?.valor).toBeCloseTo(63, 6);
    expect([1, 2, 3].map((id) => ranking.get(id)?.dimensiones.posicion)).toEqual([2, 3, 1]);
    expect(ranking.get(1)?.dimensiones).toMatchObject({
      asesor: 'Ana',
      ofertas: 3,
      ofertas_ganadoras: 1,
      tasa_exito: 0.33,
      tiempo_respuesta_medio_min: 40,
      valor_promedio: 91666.67,
    });
    expect(ranking.get(1)).toMatchObject({ tipo: 'ranking', unidad: 'puntos' });
  });

  it('specialisation: share of the advisor’s offers per category, principal category marked', async () => {
    expect(await run(activities.especializacionAsesores, day)).toEqual({ rows: 5 });
    const shares = (await rows('especializacion_asesor')).map((row) => [
      row.dimensiones.asesor_id,
      row.dimensiones.categoria,
      Math.round(row.valor * 100) / 100,
      row.dimensiones.principal,
    ]);
    expect(shares).toEqual(
      expect.arrayContaining([
        [1, 'frenos', 66.67, true],
        [1, 'motor', 33.33, false],
        [2, 'frenos', 100, true],
        // a tie is broken alphabetically
        [3, 'frenos', 50, true],
        [3, 'motor', 50, false],
      ]),
    );
  });

  it('conversion by city: requests of the day with a winner, and the winners’ mean value', async () => {
    expect(await run(activities.conversionCiudad, day)).toEqual({ rows: 4 });
    const conversion = new Map((await rows('conversion_ciudad')).map((row) => [row.dimensiones.ciudad, row]));
    // Santiago: 101 won, 102 open (104 was created the day before) → 50 %.
    expect(conversion.get('Santiago')).toMatchObject({ valor: 50, dimensiones: { solicitudes: 2, convertidas: 1 } });
    expect(conversion.get('Temuco')).toMatchObject({ valor: 100, dimensiones: { solicitudes: 1, convertidas: 1 } });
    const value = new Map(
      (await rows('valor_ganador_promedio_ciudad')).map((row) => [row.dimensiones.ciudad, row.valor]),
    );
    expect(Object.fromEntries(value)).toEqual({ Santiago: 40000, Temuco: 45000 });
  });

  it('response time per advisor: mean, median and continuous p90 in minutes', async () => {
    expect(await run(activities.tiempoRespuestaAsesor, day)).toEqual({ rows: 9 });
    const stats = Object.fromEntries(
      (await rows('tiempo_respuesta_asesor')).map((row) => [
        `${String(row.dimensiones.asesor_id)}:${String(row.dimensiones.estadistico)}`,
        row.valor,
      ]),
    );
    // advisor 1: [30, 30, 60] → p90 at rank 1.8 = 30 + 0.8 × 30; advisor 2: [60, 120]; advisor 3: [20, 60].
    expect(stats).toEqual({
      '1:media': 40,
      '1:mediana': 30,
      '1:p90': 54,
      '2:media': 90,
      '2:mediana': 90,
      '2:p90': 114,
      '3:media': 40,
      '3:mediana': 40,
      '3:p90': 56,
    });
  });

  it('weekly trend: this week’s requests per category and in total, growth against last week', async () => {
    expect(await run(activities.tendenciaSolicitudes, week)).toEqual({ rows: 3 });
    const trend = new Map(
      (await rows('tendencia_solicitudes_semanal', week.periodo)).map((row) => [row.dimensiones.categoria, row]),
    );
    // This week 101, 102, 103, 104; last week 105 (motor).
    expect(trend.get(null)).toMatchObject({ valor: 4, dimensiones: { semana_anterior: 1, crecimiento_pct: 300 } });
    expect(trend.get('frenos')).toMatchObject({ valor: 3, dimensiones: { semana_anterior: 0, crecimiento_pct: null } });
    expect(trend.get('motor')).toMatchObject({ valor: 1, dimensiones: { semana_anterior: 1, crecimiento_pct: 0 } });
  });

  it('advisor evolution: this week’s score against last week’s', async () => {
    expect(await run(activities.evolucionAsesores, week)).toEqual({ rows: 3 });
    const evolution = byAdvisor(await rows('evolucion_asesores_semanal', week.periodo));
    // advisor 1 adds offer 1008 (1 480 min, 70 000): 4 offers, 1 win, mean 400 min, mean value 86 250
    // → 100 × (0.125 + 0.3/(1 + 400/60) + 0.2 × 86 250/180 000) = 25.9964
    expect(evolution.get(1)?.valor).toBeCloseTo(25.9964, 3);
    expect(evolution.get(1)?.dimensiones).toMatchObject({ score_anterior: null, variacion: null });
    // advisor 2 last week: one winning offer in 30 min at the max value → 100 × (0.5 + 0.2 + 0.2) = 90
    expect(evolution.get(2)?.valor).toBeCloseTo(42.2778, 3);
    expect(evolution.get(2)?.dimensiones).toMatchObject({ score_anterior: 90, variacion: -47.72 });
  });

  it('demand patterns: by category and by local weekday × hour', async () => {
    expect(await run(activities.patronesDemanda, week)).toEqual({ rows: 6 });
    const categories = (await rows('demanda_categoria_semanal', week.periodo)).map((row) => [
      row.dimensiones.categoria,
      row.valor,
      row.dimensiones.participacion_pct,
    ]);
    expect(categories).toEqual(
      expect.arrayContaining([
        ['frenos', 3, 75],
        ['motor', 1, 25],
      ]),
    );
    const slots = (await rows('demanda_dia_hora_semanal', week.periodo)).map((row) => [
      row.dimensiones.dia_semana,
      row.dimensiones.hora,
      row.valor,
    ]);
    // Tuesday 09, 10, 11 h; Monday 23:30 local (02:30 UTC on Tuesday).
    expect(slots).toEqual(
      expect.arrayContaining([
        [2, 9, 1],
        [2, 10, 1],
        [2, 11, 1],
        [1, 23, 1],
      ]),
    );
    expect(slots).toHaveLength(4);
  });

  it('satisfaction: mean rating and share of 4–5 over requests closed this week', async () => {
    expect(await run(activities.satisfaccion, week)).toEqual({ rows: 2 });
    // Closed this week with a rating: 101 (5), 103 (3), 104 (4); 105 closed last week.
    const [mean] = await rows('satisfaccion_calificacion_media', week.periodo);
    const [positive] = await rows('satisfaccion_tasa_positiva', week.periodo);
    expect(mean).toMatchObject({ valor: 4, unidad: 'estrellas', dimensiones: { calificadas: 3 } });
    expect(positive?.valor).toBeCloseTo(66.6667, 3);
  });

  it('a period with no activity writes no rows', async () => {
    const empty = { periodo: dayPeriod('2026-03-20', FIXTURE_TZ), timeZone: FIXTURE_TZ };
    expect(await run(activities.rankingAsesores, empty)).toEqual({ rows: 0 });
    expect(
      await run(activities.satisfaccion, { periodo: weekPeriod('2026-03-29', FIXTURE_TZ), timeZone: FIXTURE_TZ }),
    ).toEqual({ rows: 0 });
  });

  it('rows expire 90 days (daily) and 365 days (weekly) after their period', async () => {
    const { rows: expiry } = await t.db.query<{ nombre: string; dias: number }>(
      `SELECT DISTINCT nombre, extract(epoch FROM expira_en - periodo_fin)::int / 86400 AS dias
       FROM metricas_calculadas WHERE nombre IN ('ranking_asesores_diario', 'satisfaccion_tasa_positiva')`,
    );
    expect(Object.fromEntries(expiry.map((row) => [row.nombre, row.dias]))).toEqual({
      ranking_asesores_diario: 90,
      satisfaccion_tasa_positiva: 365,
    });
  });

  it('counts each request in exactly one local day across America/Santiago’s daylight-saving changes', async () => {
    // 2026-04-04 has 25 hours (23:00–24:00 twice); 2026-09-06 has 23 (starts at 01:00).
    await t.db.query(
      `INSERT INTO solicitudes (id, cliente_id, ciudad, categoria_repuesto, creada_en, estado) VALUES
         (201, 1, 'Arica', 'frenos', '2026-04-05T02:30Z', 'abierta'), -- 23:30 −03, 04-04
         (202, 1, 'Arica', 'frenos', '2026-04-05T03:30Z', 'abierta'), -- 23:30 −04 (again), 04-04
         (203, 1, 'Arica', 'frenos', '2026-04-05T04:30Z', 'abierta'), -- 00:30 −04, 04-05
         (204, 1, 'Arica', 'frenos', '2026-04-04T02:59Z', 'abierta'), -- 23:59 −03, 04-03
         (205, 1, 'Arica', 'frenos', '2026-09-06T03:59Z', 'abierta'), -- 23:59 −04, 09-05
         (206, 1, 'Arica', 'frenos', '2026-09-06T04:00Z', 'abierta'), -- 01:00 −03, 09-06
         (207, 1, 'Arica', 'frenos', '2026-09-07T02:59Z', 'abierta'), -- 23:59 −03, 09-06
         (208, 1, 'Arica', 'frenos', '2026-09-07T03:00Z', 'abierta')  -- 00:00 −03, 09-07`,
    );
    const requests: Record<string, number> = {};
    for (const fecha of ['2026-04-03', '2026-04-04', '2026-04-05', '2026-09-05', '2026-09-06', '2026-09-07']) {
      const periodo = dayPeriod(fecha, FIXTURE_TZ);
      await run(activities.conversionCiudad, { periodo, timeZone: FIXTURE_TZ });
      const [row] = await rows('conversion_ciudad', periodo);
      requests[fecha] = Number(row?.dimensiones.solicitudes ?? 0);
    }
    expect(requests).toEqual({
      '2026-04-03': 1,
      '2026-04-04': 2,
      '2026-04-05': 1,
      '2026-09-05': 1,
      '2026-09-06': 2,
      '2026-09-07': 1,
    });
  });
});
