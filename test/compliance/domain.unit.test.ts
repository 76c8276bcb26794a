import { DateTime } from 'luxon';
import { ConfigError, loadConfig } from '../../lib/config';
import { classifyDgaAnswer, classifySmaAnswer, effectOf, retryDelayMs } from '../../lib/compliance/answers';
import {
  fromDayMonthYear,
  regulatorDate,
  regulatorDayStart,
  regulatorMinute,
  regulatorTime,
} from '../../lib/compliance/calendar';
import { buildSlotPayload, MEASUREMENT_TOLERANCE_MS, type Reading } from '../../lib/compliance/payload';
import { planNextSend, type PendingSlot } from '../../lib/compliance/planner';
import { isSlotTime, slotsBetween } from '../../lib/compliance/slots';
import { centimetres, totalizerString, twoDecimals } from '../../lib/compliance/values';

// Pure functions over fixed instants: nothing here meets the wall clock.
const H = 3_600_000;
const at = (iso: string) => new Date(iso);
const readings = (slot: string, values: Partial<Record<Reading['variable'], number>>, offsetMs = 0): Reading[] =>
  Object.entries(values).map(([variable, value]) => ({
    variable: variable as Reading['variable'],
    measuredAt: new Date(Date.parse(slot) + offsetMs).toISOString(),
    value: value,
  }));
const groundwater = { source: 'DGA' as const, standard: 'MAYOR' as const, workKind: 'SUBTERRANEA' as const };

describe('the regulators’ fixed UTC−4 calendar', () => {
  it.each([
    // America/Santiago is −3 in summer (January, and just after the September change) and −4 in winter.
    ['2026-01-15T12:00:00Z', '2026-01-15', '08:00:00', -3],
    ['2026-07-15T12:00:00Z', '2026-07-15', '08:00:00', -4],
    // The night of 5 April 2026, when Santiago falls back from −3 to −4 at 00:00 local (03:00Z).
    ['2026-04-05T02:30:00Z', '2026-04-04', '22:30:00', -3],
    ['2026-04-05T03:30:00Z', '2026-04-04', '23:30:00', -4],
    // The night of 6 September 2026, when Santiago springs forward at 00:00 local (04:00Z).
    ['2026-09-06T03:30:00Z', '2026-09-05', '23:30:00', -4],
    ['2026-09-06T04:30:00Z', '2026-09-06', '00:30:00', -3],
  ])('%s is %s %s at UTC−4 (Santiago is at %d)', (instant, date, time, santiagoOffset) => {
    expect(regulatorDate(at(instant))).toBe(date);
    expect(regulatorTime(at(instant))).toBe(time);
    expect(DateTime.fromISO(instant, { zone: 'America/Santiago' }).offset / 60).toBe(santiagoOffset);
  });

  it('starts a day at 04:00Z, reads DD-MM-YYYY back, and gives SMA stamps to the minute', () => {
    expect(regulatorDayStart('2026-09-06').toISOString()).toBe('2026-09-06T04:00:00.000Z');
    expect(fromDayMonthYear('07-09-2023')).toBe('2023-09-07');
    expect(regulatorMinute(at('2026-05-17T18:05:00Z'))).toBe('2026-05-17T14:05:00');
    expect(() => regulatorDayStart('2026-9-6')).toThrow(RangeError);
  });
});

describe('slots', () => {
  const from = at('2026-04-04T00:00:00Z');
  const until = at('2026-04-06T12:00:00Z');

  it('MAYOR and SMA: every hour on the hour, from 00:00 UTC−4 of active_from, through active_to inclusive', () => {
    const slots = slotsBetween({ standard: 'MAYOR', activeFrom: '2026-04-05', activeTo: '2026-04-05' }, from, until);
    expect(slots).toHaveLength(24);
    expect(slots[0]!.toISOString()).toBe('2026-04-05T04:00:00.000Z');
    expect(slots.at(-1)!.toISOString()).toBe('2026-04-06T03:00:00.000Z');
    expect(slots.every((s) => regulatorTime(s).endsWith(':00:00'))).toBe(true);
    const sma = slotsBetween({ standard: 'SMA', activeFrom: '2026-04-05', activeTo: null }, from, until);
    expect(sma[0]!.toISOString()).toBe('2026-04-05T04:00:00.000Z');
    expect(sma.every((s) => s.getUTCMinutes() % 5 === 0)).toBe(true);
    expect(isSlotTime('MAYOR', at('2026-04-05T07:00:00Z'))).toBe(true);
    expect(isSlotTime('MAYOR', at('2026-04-05T07:05:00Z'))).toBe(false);
  });

  it('MEDIO: once a day at 00:00 UTC−4, across the DST change; MENOR and CAUDALES_MUY_PEQUENOS: none', () => {
    const slots = slotsBetween({ standard: 'MEDIO', activeFrom: '2026-04-01', activeTo: null }, from, until);
    expect(slots.map((s) => s.toISOString())).toEqual([
      '2026-04-04T04:00:00.000Z',
      '2026-04-05T04:00:00.000Z',
      '2026-04-06T04:00:00.000Z',
    ]);
    expect(slotsBetween({ standard: 'MENOR', activeFrom: '2026-04-01', activeTo: null }, from, until)).toEqual([]);
    expect(
      slotsBetween({ standard: 'CAUDALES_MUY_PEQUENOS', activeFrom: '2026-04-01', activeTo: null }, from, until),
    ).toEqual([]);
  });
});

describe('number formats', () => {
  it('rounds half-up to 2 decimals, gives whole centimetres, and keeps the totalizer within 15 characters', () => {
    expect(twoDecimals(1.005)).toBe('1.01');
    expect(twoDecimals(1)).toBe('1.00');
    expect(twoDecimals(42.499)).toBe('42.50');
    expect(twoDecimals(0.125)).toBe('0.13');
    expect(centimetres(1.234)).toBe('123');
    expect(totalizerString(1010.4)).toBe('1010');
    expect(totalizerString(999_999_999_999_999)).toBe('999999999999999');
    expect(totalizerString(1_000_000_000_000_000)).toBeUndefined();
  });
});

describe('payload builders', () => {
  const slot = '2026-09-06T04:00:00.000Z';
  const settled = at('2026-09-06T05:00:00Z');

  it('DGA groundwater: strings, 2-decimal caudal and level, the totalizer value, fecha/hora at UTC−4', () => {
    const built = buildSlotPayload(
      groundwater,
      at(slot),
      readings(slot, { flow: 1.005, total: 1010.4, level: 9.849 }),
      settled,
    );
    expect(built).toEqual({
      status: 'ready',
      payload: {
        medicionSubterranea: {
          caudal: '1.01',
          fechaMedicion: '2026-09-06',
          horaMedicion: '00:00:00',
          nivelFreaticoDelPozo: '9.85',
          totalizador: '1010',
        },
      },
    });
  });

  it('takes the TOTAL variable’s totalizer reading nearest the slot, never a sum of flows', () => {
    const many: Reading[] = [
      ...readings(slot, { flow: 5, total: 2000, level: 3 }, -4 * 60_000),
      ...readings(slot, { flow: 7, total: 2005, level: 3.5 }, 2 * 60_000),
      ...readings(slot, { flow: 100, total: 9999 }, -MEASUREMENT_TOLERANCE_MS - 60_000),
    ];
    const built = buildSlotPayload(groundwater, at(slot), many, settled);
    expect(built.status === 'ready' && built.payload).toEqual({
      medicionSubterranea: expect.objectContaining({
        caudal: '7.00',
        totalizador: '2005',
        nivelFreaticoDelPozo: '3.50',
      }),
    });
  });

  it('waits while a closer reading may still arrive, and says why a slot without level waits', () => {
    const near = readings(slot, { flow: 1, total: 10, level: 2 }, 3 * 60_000);
    const early = buildSlotPayload(groundwater, at(slot), near, at('2026-09-06T04:05:00Z'));
    expect(early).toEqual({
      status: 'waits',
      reason: 'waiting for the flow measurement',
      recheckAt: '2026-09-06T04:10:00.000Z',
    });
    // An exact reading is final at once.
    expect(
      buildSlotPayload(groundwater, at(slot), readings(slot, { flow: 1, total: 10, level: 2 }), at(slot)).status,
    ).toBe('ready');
    const noLevel = buildSlotPayload(groundwater, at(slot), readings(slot, { flow: 1, total: 10 }), settled);
    expect(noLevel).toEqual({ status: 'waits', reason: 'no level measurement within ±10 min of the slot' });
  });

  it('waits on a totalizer past 15 characters and on a negative flow', () => {
    const long = buildSlotPayload(groundwater, at(slot), readings(slot, { flow: 1, total: 1e15, level: 2 }), settled);
    expect(long.status === 'waits' && long.reason).toMatch(/at most 15 characters/);
    const negative = buildSlotPayload(groundwater, at(slot), readings(slot, { flow: -1, total: 1, level: 2 }), settled);
    expect(negative.status).toBe('waits');
  });

  it('DGA surface kinds: flowmeter without level, surface with alturaLimnimetrica in cm and no totalizer', () => {
    const values = readings(slot, { flow: 12.3, total: 555, level: 1.234 });
    expect(buildSlotPayload({ ...groundwater, workKind: 'SUPERFICIAL_FLUJOMETRO' }, at(slot), values, settled)).toEqual(
      {
        status: 'ready',
        payload: {
          medicionSuperficialFlujometro: {
            caudal: '12.30',
            fechaMedicion: '2026-09-06',
            horaMedicion: '00:00:00',
            totalizador: '555',
          },
        },
      },
    );
    expect(buildSlotPayload({ ...groundwater, workKind: 'SUPERFICIAL' }, at(slot), values, settled)).toEqual({
      status: 'ready',
      payload: {
        medicionSuperficial: {
          alturaLimnimetrica: '123',
          caudal: '12.30',
          fechaMedicion: '2026-09-06',
          horaMedicion: '00:00:00',
        },
      },
    });
  });

  it('SMA: every parameter of the device at one estampaTiempo, in one call', () => {
    const target = {
      source: 'SMA' as const,
      standard: 'SMA' as const,
      sma: { dispositivoId: '12180', parameters: ['Q', 'VA', 'NF'] },
    };
    const built = buildSlotPayload(target, at(slot), readings(slot, { flow: 42.5, total: 42500.4, level: 7 }), settled);
    const stamp = '2026-09-06T00:00:00';
    expect(built).toEqual({
      status: 'ready',
      payload: [
        {
          dispositivoId: '12180',
          parametros: [
            { nombre: 'Q', valor: '42.50', unidad: 'l/s', estampaTiempo: stamp },
            { nombre: 'VA', valor: '42500', unidad: 'm3', estampaTiempo: stamp },
            { nombre: 'NF', valor: '7.00', unidad: 'm', estampaTiempo: stamp },
          ],
        },
      ],
    });
    const partial = { ...target, sma: { dispositivoId: '12181', parameters: ['Q', 'VA'] } };
    expect(buildSlotPayload(partial, at(slot), readings(slot, { flow: 1, total: 2 }), settled).status).toBe('ready');
  });
});

describe('answers', () => {
  it('classifies the DGA’s answers', () => {
    expect(
      classifyDgaAnswer({ status: 200, body: { status: '00', message: 'ok', data: { numeroComprobante: 'abc123' } } }),
    ).toEqual({ outcome: 'ACCEPTED', receipt: 'abc123' });
    expect(
      classifyDgaAnswer({
        status: 400,
        body: { message: 'Ya existe un registro en esa fecha, hora para la obra. Comprobante: zk7DOAl3uIlGTjvw' },
      }),
    ).toMatchObject({ outcome: 'DUPLICATE', receipt: 'zk7DOAl3uIlGTjvw' });
    expect(
      classifyDgaAnswer({ status: 400, body: { message: 'Usuario no es el informante registrado en la Obra' } }),
    ).toMatchObject({ outcome: 'CONFIG_ERROR' });
    expect(classifyDgaAnswer({ status: 400, body: { status: '01', message: 'caudal inválido' } })).toEqual({
      outcome: 'REJECTED',
      reason: 'caudal inválido',
    });
    expect(classifyDgaAnswer({ status: 401, body: {} }).outcome).toBe('UNAUTHORIZED');
    expect(classifyDgaAnswer({ status: 503, body: 'down' }).outcome).toBe('SERVER_ERROR');
    expect(classifyDgaAnswer({ status: 200, body: { status: '01' } }).outcome).toBe('SERVER_ERROR');
    expect(classifyDgaAnswer({ status: 'none', error: 'TypeError ECONNRESET: no answer' }).outcome).toBe('NO_ANSWER');
  });

  it('classifies the SMA’s answers', () => {
    expect(classifySmaAnswer({ status: 201, body: { mensaje: 'Registro recibido', IdVerificacion: 'v1' } })).toEqual({
      outcome: 'ACCEPTED',
      receipt: 'v1',
    });
    expect(classifySmaAnswer({ status: 200, body: { IdVerificacion: 'v1' } }).outcome).toBe('ACCEPTED');
    expect(classifySmaAnswer({ status: 400, body: { mensaje: 'faltan parámetros' } })).toEqual({
      outcome: 'REJECTED',
      reason: 'faltan parámetros',
    });
    expect(classifySmaAnswer({ status: 403, body: {} }).outcome).toBe('CONFIG_ERROR');
    expect(classifySmaAnswer({ status: 500, body: {} }).outcome).toBe('SERVER_ERROR');
  });

  it('maps outcomes to the ledger and the retry delays', () => {
    expect(effectOf('DGA', 'DUPLICATE')).toMatchObject({ status: 'SENT', retries: false });
    expect(effectOf('SMA', 'ACCEPTED')).toMatchObject({ status: 'CONFIRMED' });
    expect(effectOf('DGA', 'CONFIG_ERROR')).toMatchObject({ status: 'PENDING', blocksConfig: true });
    expect(effectOf('DGA', 'REJECTED')).toMatchObject({ status: 'REJECTED', notify: 'compliance.rejected' });
    expect(effectOf('DGA', 'NO_ANSWER')).toMatchObject({ status: 'PENDING', retries: true, blocksConfig: false });
    expect(retryDelayMs('DGA', 3, 86_400_000)).toBe(86_400_000);
    expect([1, 2, 3].map((n) => retryDelayMs('SMA', n, 86_400_000))).toEqual([60_000, 120_000, 240_000]);
    expect(retryDelayMs('SMA', 30, 5_000)).toBe(5_000);
  });
});

describe('the sending-rule planner', () => {
  const now = '2026-09-06T12:00:30.000Z';
  const pending = (slot: string, extra: Partial<PendingSlot> = {}): PendingSlot => ({
    slot,
    ready: true,
    nextAttemptAt: null,
    ...extra,
  });
  const base = { now, spacingMs: 5 * 60_000, lastSendAt: null };

  it('sends an online slot at once', () => {
    expect(planNextSend({ ...base, pending: [pending('2026-09-06T12:00:00.000Z')] })).toMatchObject({
      state: 'sending',
      next: { slot: '2026-09-06T12:00:00.000Z', at: now },
      backlog: 1,
    });
  });

  it('drains a backlog oldest first, one send per spacing after the previous send ended', () => {
    const backlog = Array.from({ length: 30 }, (_, i) =>
      pending(new Date(Date.parse(now) - (31 - i) * H).toISOString()),
    );
    const lastSendAt = '2026-09-06T11:58:00.000Z';
    const plan = planNextSend({ ...base, pending: backlog, lastSendAt });
    expect(plan).toMatchObject({
      state: 'waiting-spacing',
      next: { slot: backlog[0]!.slot, at: '2026-09-06T12:03:00.000Z' },
      wakeAt: '2026-09-06T12:03:00.000Z',
      backlog: 30,
    });
  });

  it('puts an online slot before the backlog', () => {
    const plan = planNextSend({
      ...base,
      pending: [pending('2026-09-06T01:00:00.000Z'), pending('2026-09-06T12:00:00.000Z')],
      lastSendAt: '2026-09-06T11:50:00.000Z',
    });
    expect(plan.next?.slot).toBe('2026-09-06T12:00:00.000Z');
  });

  it('resends a failed or unanswered slot only after the retry rule, and sends others meanwhile', () => {
    const failed = pending('2026-09-06T10:00:00.000Z', { nextAttemptAt: '2026-09-07T10:00:05.000Z' });
    expect(planNextSend({ ...base, pending: [failed] })).toMatchObject({
      state: 'waiting-retry',
      next: { slot: failed.slot, at: '2026-09-07T10:00:05.000Z' },
    });
    const other = pending('2026-09-06T11:00:00.000Z');
    expect(planNextSend({ ...base, pending: [failed, other] }).next?.slot).toBe(other.slot);
  });

  it('waits for data, or idles until the next slot; accepted slots are not pending and never planned', () => {
    const waiting = planNextSend({
      ...base,
      pending: [pending('2026-09-06T12:00:00.000Z', { ready: false })],
      dataRecheckAt: '2026-09-06T12:01:30.000Z',
      nextSlotAt: '2026-09-06T13:01:00.000Z',
    });
    expect(waiting).toEqual({ state: 'waiting-data', wakeAt: '2026-09-06T12:01:30.000Z', backlog: 1 });
    expect(planNextSend({ ...base, pending: [], nextSlotAt: '2026-09-06T13:01:00.000Z' })).toEqual({
      state: 'idle',
      wakeAt: '2026-09-06T13:01:00.000Z',
      backlog: 0,
    });
    // A future slot is not sent before its time.
    expect(planNextSend({ ...base, pending: [pending('2026-09-06T13:00:00.000Z')] }).next).toBeUndefined();
  });
});

describe('the DGA sending settings', () => {
  it('default to 5 minutes and a day, take durations, and name the variable of a bad one', () => {
    expect(loadConfig({}).regulators).toMatchObject({ backlogSpacingMs: 300_000, retryEveryMs: 86_400_000 });
    expect(loadConfig({ DGA_BACKLOG_SPACING: '500ms', DGA_RETRY_EVERY: '5s' }).regulators).toMatchObject({
      backlogSpacingMs: 500,
      retryEveryMs: 5_000,
    });
    expect(loadConfig({ DGA_RETRY_EVERY: '2h' }).regulators.retryEveryMs).toBe(7_200_000);
    for (const bad of ['5 minutes', '0s', '-1m', '1w'])
      expect(() => loadConfig({ DGA_BACKLOG_SPACING: bad })).toThrow(
        expect.objectContaining({ problems: [expect.objectContaining({ variable: 'DGA_BACKLOG_SPACING' })] }),
      );
    expect(() => loadConfig({ DGA_RETRY_EVERY: 'daily' })).toThrow(ConfigError);
  });
});
