import { buildOttAnalytics, type OttRollupRow } from '../../lib/cv/analytics';
import { BANDS, bandOf } from '../../lib/cv/bands';
import { CATEGORIES } from '../../lib/cv/categories';
import { bandPieFigure, channelFigure } from '../../lib/cv/figures';
import { offsetToFetch, planPage, startSegment, type Segment } from '../../lib/cv/ingest-walk';
import { mergeNames } from '../../lib/cv/merge-rule';

describe('bandOf', () => {
  it.each([
    ['00:00:00', 'Madrugada'],
    ['05:59:59.999', 'Madrugada'],
    ['06:00:00', 'Mañana'],
    ['11:59:59', 'Mañana'],
    ['12:00:00', 'Tarde'],
    ['17:59:59', 'Tarde'],
    ['18:00:00', 'Noche'],
    ['23:59:59', 'Noche'],
  ])('%s is %s', (time, band) => expect(bandOf(time)).toBe(band));

  it('refuses what is not a time of day', () => {
    expect(() => bandOf('24:00:00')).toThrow(RangeError);
    expect(() => bandOf('xx')).toThrow(RangeError);
  });
});

describe('mergeNames (the seed rule)', () => {
  const ott = CATEGORIES.ott;
  it('fills empty names from the latest reference of the same dataId and keeps non-empty ones', () => {
    const events = [
      { recordId: 1, actionId: 7, dataId: 'a', dataName: 'Old A' },
      { recordId: 2, actionId: 7, dataId: 'a', dataName: 'New A' },
      { recordId: 3, actionId: 8, dataId: 'a', dataName: '' },
      { recordId: 4, actionId: 8, dataId: 'a', dataName: null },
      { recordId: 5, actionId: 8, dataId: 'a', dataName: 'Own name' },
      { recordId: 6, actionId: 8, dataId: 'b', dataName: '' },
      // Another pair's reference never feeds OTT.
      { recordId: 7, actionId: 5, dataId: 'b', dataName: 'DVB B' },
    ];
    expect(mergeNames(events, ott)).toEqual([
      { recordId: 3, dataName: 'New A', nameFromRecordId: 2 },
      { recordId: 4, dataName: 'New A', nameFromRecordId: 2 },
      { recordId: 5, dataName: 'Own name', nameFromRecordId: null },
      { recordId: 6, dataName: '', nameFromRecordId: null },
    ]);
  });

  it('takes the latest reference even when it arrived after the target, and it wins even if empty', () => {
    const events = [
      { recordId: 10, actionId: 14, dataId: 'v', dataName: '' },
      { recordId: 11, actionId: 13, dataId: 'v', dataName: 'Movie' },
      { recordId: 12, actionId: 14, dataId: 'w', dataName: '' },
      { recordId: 13, actionId: 13, dataId: 'w', dataName: 'W1' },
      { recordId: 14, actionId: 13, dataId: 'w', dataName: '' },
    ];
    expect(mergeNames(events, CATEGORIES.stop_vod)).toEqual([
      { recordId: 10, dataName: 'Movie', nameFromRecordId: 11 },
      { recordId: 12, dataName: '', nameFromRecordId: null },
    ]);
  });
});

describe('the ingest walk', () => {
  const items = (...ids: (number | null)[]) => ids.map((recordId) => (recordId === null ? 'garbage' : { recordId }));

  it('starts a segment from the newest page, or none when nothing is newer than the watermark', () => {
    expect(startSegment(0, { offset: 0, total: 5, items: items(50, 40) })).toEqual({
      top: 50,
      floor: 0,
      low: null,
      nextOffset: 0,
      total: 5,
    });
    expect(startSegment(50, { offset: 0, total: 5, items: items(50, 40) })).toBeNull();
    expect(startSegment(0, { offset: 0, total: 0, items: [] })).toBeNull();
  });

  it('processes down to the floor, skips events newer than the top, and stops at the floor', () => {
    const segment: Segment = { top: 50, floor: 20, low: null, nextOffset: 0, total: 9 };
    const first = planPage(segment, { offset: 0, total: 9, items: items(60, 50, null, 40) });
    expect(first.toProcess).toEqual(items(50, null, 40));
    expect(first.segment).toMatchObject({ low: 40, nextOffset: 4 });
    expect(first.done).toBe(false);
    const second = planPage(first.segment, { offset: 4, total: 9, items: items(30, 20, 10) });
    expect(second.toProcess).toEqual(items(30));
    expect(second.done).toBe(true);
  });

  it('ends at the end of the listing by its total, not at a short page', () => {
    const segment: Segment = { top: 50, floor: 0, low: 50, nextOffset: 1, total: 6 };
    expect(planPage(segment, { offset: 1, total: 6, items: items(40, 30) }).done).toBe(false);
    expect(planPage(segment, { offset: 1, total: 6, items: [] }).done).toBe(true);
  });

  it('is done at the end of the listing on a full load', () => {
    const segment: Segment = { top: 50, floor: 0, low: 40, nextOffset: 4, total: 6 };
    const last = planPage(segment, { offset: 4, total: 6, items: items(30, 20) });
    expect(last).toMatchObject({ done: true, segment: { low: 20, nextOffset: 6 } });
  });

  it('rejects invalid events without a recordId at the top in the same load, the watermark unchanged', () => {
    // Nothing valid above the watermark, but the newest items have no recordId: a segment from
    // the watermark to itself, whose first page processes them and then stops at the floor.
    const segment = startSegment(50, { offset: 0, total: 6, items: items(null, null, 50, 40) });
    expect(segment).toEqual({ top: 50, floor: 50, low: null, nextOffset: 0, total: 6 });
    const page = planPage(segment!, { offset: 0, total: 6, items: items(null, null, 50, 40) });
    expect(page.toProcess).toEqual(items(null, null));
    expect(page).toMatchObject({ done: true, segment: { top: 50, floor: 50, low: null } });
    // Below the first recordId they are old: an earlier load saw them.
    expect(startSegment(50, { offset: 0, total: 6, items: items(50, null, 40) })).toBeNull();
    // On a first load too (watermark 0).
    expect(startSegment(0, { offset: 0, total: 1, items: items(null) })).toMatchObject({ top: 0, floor: 0 });
  });

  it('takes the first recordId below a page of items without one as the top of the load', () => {
    const segment = startSegment(20, { offset: 0, total: 7, items: items(null, null) });
    expect(segment).toMatchObject({ top: 20, floor: 20 });
    const first = planPage(segment!, { offset: 0, total: 7, items: items(null, null) });
    expect(first).toMatchObject({ done: false, segment: { top: 20, low: null, nextOffset: 2 } });
    // The first events below them are new (not "arrived while paging"): they set the top.
    const second = planPage(first.segment, { offset: 2, total: 7, items: items(40, null, 30, 20, 10) });
    expect(second.toProcess).toEqual(items(40, null, 30));
    expect(second).toMatchObject({ done: true, segment: { top: 40, low: 30 } });
  });

  it('re-reads, never skips, when events arrive between pages; steps back when the listing shrinks', () => {
    // Two events arrived at the top since nextOffset was computed: the page at the same offset
    // starts with two events already stored; planPage returns them (stored again as no-ops).
    const segment: Segment = { top: 50, floor: 0, low: 40, nextOffset: 2, total: 6 };
    const page = planPage(segment, { offset: 2, total: 8, items: items(50, 40, 30, 20) });
    expect(page.toProcess).toEqual(items(50, 40, 30, 20));
    expect(page.segment).toMatchObject({ low: 20, nextOffset: 6, total: 8 });
    expect(offsetToFetch({ ...segment, nextOffset: 10, total: 20 }, 17)).toBe(7);
    expect(offsetToFetch({ ...segment, nextOffset: 10, total: 20 }, 25)).toBe(10);
  });
});

describe('figure builders and the seed structure', () => {
  it('builds bars of hours and a line of counts per channel, and a pie of bands', () => {
    const figure = channelFigure('t', { channels: ['A', 'B'], hours: [1, 2], counts: [3, 4] });
    expect(figure.data).toEqual([
      expect.objectContaining({ type: 'bar', x: ['A', 'B'], y: [1, 2] }),
      expect.objectContaining({ type: 'scatter', mode: 'lines+markers', x: ['A', 'B'], y: [3, 4], yaxis: 'y2' }),
    ]);
    expect(figure.layout).toHaveProperty('yaxis2');
    expect(bandPieFigure('p', { Noche: 2 }).data).toEqual([
      expect.objectContaining({ type: 'pie', labels: ['Noche'], values: [2] }),
    ]);
  });

  it("answers in the seed's keys, summing hours and counts per band and per channel", () => {
    const rows: OttRollupRow[] = [
      { band: 'Noche', dataName: 'TVN', hours: 2, events: 3 },
      { band: 'Mañana', dataName: 'TVN', hours: 1, events: 1 },
      { band: 'Noche', dataName: 'Mega', hours: 4, events: 1 },
      { band: 'Madrugada', dataName: '', hours: 0.5, events: 2 },
    ];
    const answer = buildOttAnalytics(rows, 7);
    expect(Object.keys(answer.totals).sort()).toEqual(
      [
        'totaldurationott',
        'franjahorariaott',
        ...BANDS.flatMap((band) => [
          `franjahorariaeventott${band.toLowerCase()}`,
          `countchannels${band.toLowerCase()}`,
        ]),
      ].sort(),
    );
    expect(Object.keys(answer.graphs).sort()).toEqual(['graphott', ...BANDS.map((band) => `graphott${band}`)].sort());
    expect(answer.totals.totaldurationott).toEqual({ days: 7, totalHours: 7.5, totalEvents: 7 });
    expect(answer.totals.franjahorariaott).toMatchObject({ Madrugada: 0.5, Mañana: 1, Tarde: 0, Noche: 6 });
    expect(answer.totals.franjahorariaeventottnoche).toEqual({ Mega: 4, TVN: 2 });
    expect(answer.totals['countchannelsmañana']).toEqual({ TVN: 1 });
    expect(answer.events).toEqual({
      listOTT: { Mega: 4, TVN: 3, '': 0.5 },
      listCountEventOTT: { TVN: 4, '': 2, Mega: 1 },
    });
    const graph = JSON.parse(answer.graphs.graphottNoche!.graph);
    expect(graph.data[0]).toMatchObject({ type: 'bar', x: ['Mega', 'TVN'], y: [4, 2] });
    expect(graph.data[1]).toMatchObject({ x: ['Mega', 'TVN'], y: [1, 3] });
    const pie = JSON.parse((answer.totals.franjahorariaott as { graph: string }).graph);
    expect(pie.data[0]).toMatchObject({ type: 'pie', labels: [...BANDS], values: [0.5, 1, 0, 6] });
  });
});
