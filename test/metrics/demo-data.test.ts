import { CATEGORIES, CITIES, generateMetricsDemoData } from '../../local/demo-data/metrics';
import { createTestContext, type TestContext } from '../harness/context';

describe('metrics demo data', () => {
  let t: TestContext;
  const options = {
    seed: 7,
    firstDate: '2026-03-30',
    days: 14,
    requestsPerDay: 200,
    advisors: 30,
    timeZone: 'America/Santiago',
    eventsPerDay: 50,
    eventDays: 40,
  };
  const checksum = async () =>
    (
      await t.db.query<{ sum: string }>(
        `SELECT md5(string_agg(s::text, '|' ORDER BY s.id)) || md5(string_agg(o::text, '|' ORDER BY o.id)) AS sum
         FROM solicitudes s JOIN ofertas o ON o.solicitud_id = s.id`,
      )
    ).rows[0]?.sum;

  beforeAll(async () => {
    t = await createTestContext();
  });
  afterAll(() => t.close());

  it('is deterministic: the same options give the same rows', async () => {
    const counts = await generateMetricsDemoData(t.db, options);
    const first = await checksum();
    await t.db.query('TRUNCATE asesores, solicitudes, ofertas, eventos');
    expect(await generateMetricsDemoData(t.db, options)).toEqual(counts);
    expect(await checksum()).toBe(first);
    expect(counts.asesores).toBe(30);
    expect(counts.solicitudes).toBeGreaterThan(14 * 200 * 0.8);
    expect(counts.solicitudes).toBeLessThan(14 * 200 * 1.2);
    expect(counts.eventos).toBe(50 * 40);
  });

  it('looks like the marketplace: 3–5 offers per request, one winner per closed request, local business hours', async () => {
    const { rows } = await t.db.query<Record<string, number | boolean>>(
      `SELECT min(n) AS min_offers, max(n) AS max_offers,
              bool_and((winners = 1) = (estado = 'cerrada')) AS winners_match,
              bool_and(calificacion IS NULL OR estado = 'cerrada') AS ratings_on_closed,
              bool_and(creada_en >= '2026-03-30 00:00'::timestamp AT TIME ZONE 'America/Santiago'
                       AND creada_en < '2026-04-13 00:00'::timestamp AT TIME ZONE 'America/Santiago') AS in_range,
              min(extract(hour FROM creada_en AT TIME ZONE 'America/Santiago')) AS first_hour,
              max(extract(hour FROM creada_en AT TIME ZONE 'America/Santiago')) AS last_hour,
              count(DISTINCT ciudad) AS cities, count(DISTINCT categoria_repuesto) AS categories,
              avg((estado = 'cerrada')::int) AS closed_share
       FROM solicitudes s
       CROSS JOIN LATERAL (SELECT count(*) AS n, count(*) FILTER (WHERE ganadora) AS winners
                           FROM ofertas o WHERE o.solicitud_id = s.id) o`,
    );
    expect(rows[0]).toMatchObject({
      min_offers: 3n,
      max_offers: 5n,
      winners_match: true,
      ratings_on_closed: true,
      in_range: true,
      cities: BigInt(CITIES.length),
      categories: BigInt(CATEGORIES.length),
    });
    expect(Number(rows[0]?.first_hour)).toBeGreaterThanOrEqual(6);
    expect(Number(rows[0]?.last_hour)).toBeLessThanOrEqual(21);
    expect(Number(rows[0]?.closed_share)).toBeGreaterThan(0.4);
  });
});
