import { mergeCategory } from '../../activities/cv/merge';
import { refreshOttRollups } from '../../activities/cv/rollups';
import { insertEvents } from '../../data/cv';
import { BANDS, bandOf, bandSql } from '../../lib/cv/bands';
import { CATEGORIES, CATEGORY_NAMES } from '../../lib/cv/categories';
import { validateEvent, type CvEvent } from '../../lib/cv/event';
import { mergeNames } from '../../lib/cv/merge-rule';
import { eventAt, type GeneratorOptions } from '../../local/simulators/cv/generator';
import { createTestContext, type TestContext } from '../harness/context';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const TZ = 'America/Santiago';
const event = (recordId: number, actionId: number, dataId: string, dataName: string | null, hour = 20): CvEvent => {
  const result = validateEvent(
    {
      recordId,
      actionId,
      dataId,
      dataName,
      timestamp: `2026-11-2${recordId % 3}T${String(hour).padStart(2, '0')}:10:00-03:00`,
      duration: actionId === 8 ? 1800 : null,
      subscriberId: 's',
      deviceId: 'd',
    },
    TZ,
  );
  if (!result.ok) throw new Error(result.reject.reason);
  return result.event;
};

async function ingestUpTo(events: CvEvent[]) {
  await insertEvents(ctx.db, events);
  const top = Math.max(...events.map((e) => e.recordId));
  await ctx.db.query('UPDATE cv_ingest_state SET high_watermark = greatest(high_watermark, $1)', [top]);
}

async function merged(table: string) {
  const { rows } = await ctx.db.query<{
    record_id: bigint;
    data_name: string | null;
    name_from_record_id: bigint | null;
  }>(`SELECT record_id, data_name, name_from_record_id FROM ${table} ORDER BY record_id`);
  return rows.map((row) => ({
    recordId: Number(row.record_id),
    dataName: row.data_name,
    nameFromRecordId: row.name_from_record_id === null ? null : Number(row.name_from_record_id),
  }));
}

describe('mergeCategory', () => {
  it('gives every category what the seed rule gives, over the simulator’s events', async () => {
    const generator: GeneratorOptions = { seed: 5, invalidRate: 0, startMs: Date.UTC(2026, 10, 1), stepMs: 60_000 };
    const events: CvEvent[] = [];
    for (let index = 0; index < 3_000; index++) {
      const result = validateEvent(eventAt(generator, index), TZ);
      if (result.ok) events.push(result.event);
    }
    await ingestUpTo(events);
    for (const category of CATEGORY_NAMES) {
      const result = await mergeCategory(ctx.db, category);
      const expected = mergeNames(events, CATEGORIES[category]);
      expect(result.merged).toBe(expected.length);
      expect(await merged(CATEGORIES[category].table)).toEqual(expected);
      // A second merge with nothing new changes nothing.
      await expect(mergeCategory(ctx.db, category)).resolves.toMatchObject({ merged: 0, namesFilled: 0 });
    }
    await ctx.db.query('TRUNCATE cv_events, cv_ott_dirty_days, cv_ott_daily');
    for (const { table } of Object.values(CATEGORIES)) await ctx.db.query(`TRUNCATE ${table}`);
    await ctx.db.query('UPDATE cv_merge_watermarks SET last_record_id = 0');
    await ctx.db.query('UPDATE cv_ingest_state SET high_watermark = 0');
  });

  it('fills a target merged before its reference arrived when the reference arrives, and rolls its day up again', async () => {
    await ingestUpTo([event(100_001, 8, 'late', ''), event(100_002, 8, 'known', 'Own')]);
    expect((await mergeCategory(ctx.db, 'ott')).merged).toBe(2);
    await refreshOttRollups(ctx.db);
    expect((await merged('cv_merged_ott'))[0]).toEqual({ recordId: 100_001, dataName: '', nameFromRecordId: null });

    await ingestUpTo([event(100_010, 7, 'late', 'Late Channel'), event(100_011, 7, 'known', 'Other')]);
    const result = await mergeCategory(ctx.db, 'ott');
    expect(result).toMatchObject({ merged: 0, namesFilled: 1 });
    expect(await merged('cv_merged_ott')).toEqual([
      { recordId: 100_001, dataName: 'Late Channel', nameFromRecordId: 100_010 },
      { recordId: 100_002, dataName: 'Own', nameFromRecordId: null },
    ]);
    const { days } = await refreshOttRollups(ctx.db);
    expect(days).toEqual([event(100_001, 8, 'late', '').dataDate]);
    const { rows } = await ctx.db.query(
      'SELECT data_name, events FROM cv_ott_daily WHERE data_date = $1 ORDER BY data_name',
      [days[0]],
    );
    expect(rows).toEqual([
      { data_name: 'Late Channel', events: 1n },
      ...(event(100_002, 8, 'k', '').dataDate === days[0] ? [{ data_name: 'Own', events: 1n }] : []),
    ]);
  });

  it('never merges past the ingest watermark (a load in progress may have a gap below it)', async () => {
    await insertEvents(ctx.db, [event(200_000, 8, 'gap', 'X')]);
    await expect(mergeCategory(ctx.db, 'ott')).resolves.toMatchObject({ merged: 0 });
  });
});

describe('the rollups', () => {
  it('band the hours in SQL exactly as bandOf does', async () => {
    const times = ['00:00:00', '05:59:59.999', '06:00:00', '11:59:59', '12:00:00', '17:59:59', '18:00:00', '23:59:59'];
    const { rows } = await ctx.db.query<{ band: string }>(
      `SELECT ${bandSql('t')} AS band FROM unnest($1::time[]) WITH ORDINALITY AS x(t, n) ORDER BY n`,
      [times],
    );
    expect(rows.map((row) => row.band)).toEqual(times.map(bandOf));
    expect(new Set(rows.map((row) => row.band))).toEqual(new Set(BANDS));
  });
});
