import { createSimulators } from '../../local/simulators';
import {
  createDgaSimulator,
  DGA_DEMO_CREDENTIALS,
  DGA_DEMO_FOREIGN_WORK,
  type DgaSimulator,
} from '../../local/simulators/dga';
import {
  createSmaSimulator,
  SMA_DEMO_CREDENTIALS,
  SMA_DEMO_DEVICES,
  type SmaSimulator,
} from '../../local/simulators/sma';
import { startSimulatorServer, type RunningSimulators } from '../../local/simulators/server';
import { dgaBlock, dgaSubmit, dgaVerify, smaAuth, smaItem, smaPost, smaStamp, utcMinus4 } from './sim-client';

/**
 * The DGA and SMA simulators over real HTTP: every answer
 * kind, and every violation rule firing when broken and silent when obeyed. Both run on an injected
 * clock, so a "day" or a 5-minute spacing passes in no time.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let clock = 0;
let dga: DgaSimulator;
let sma: SmaSimulator;
let server: RunningSimulators;
let dgaUrl: string;
let smaUrl: string;
/** The latest whole hour before the clock (10 minutes before it): an online measurement. */
let lastHour = 0;
const hoursAgo = (n: number) => lastHour - n * HOUR;

beforeAll(async () => {
  dga = createDgaSimulator({ seed: 7, now: () => clock, informantMismatch: ['OB-0101-99'] });
  sma = createSmaSimulator({ seed: 7, now: () => clock, tokenTtlMs: HOUR });
  server = await startSimulatorServer([dga, sma], 0);
  dgaUrl = `${server.url}/dga`;
  smaUrl = `${server.url}/sma`;
});
afterAll(() => server.close());
beforeEach(() => {
  dga.reset();
  sma.reset();
  lastHour = Math.floor(Date.now() / HOUR) * HOUR;
  clock = lastHour + 10 * MINUTE;
});

const rules = () => dga.violations().map((v) => v.rule);

describe('the DGA simulator', () => {
  it('accepts each kind with its message and a 32-character receipt, and verifies it with the date as DD-MM-YYYY', async () => {
    const cases = [
      ['groundwater', 'Medición subterránea ingresada correctamente', 'OB-0602-7'],
      ['surface-flowmeter', 'Medición superficial con flujómetro ingresada correctamente', 'OB-0602-8'],
      ['surface', 'Medición superficial ingresada correctamente', 'OR-0602-9'],
    ] as const;
    for (const [kind, message, codigoObra] of cases) {
      const block = dgaBlock(kind, hoursAgo(0));
      const answer = await dgaSubmit(dgaUrl, { kind, codigoObra, block });
      expect(answer).toEqual({
        status: 200,
        body: { status: '00', message, data: { numeroComprobante: expect.any(String) } },
      });
      const receipt = (answer.body.data as { numeroComprobante: string }).numeroComprobante;
      expect(receipt).toMatch(/^[A-Za-z0-9]{32}$/);
      const { fechaMedicion, horaMedicion, ...values } = block;
      const [y, m, d] = fechaMedicion!.split('-');
      expect(await dgaVerify(dgaUrl, kind, codigoObra, receipt)).toEqual({
        status: 200,
        body: { status: '00', message: '', data: { fechaMedicion: `${d}-${m}-${y}`, horaMedicion, ...values } },
      });
      // Only under its own work and kind.
      expect((await dgaVerify(dgaUrl, kind, 'OB-0000-1', receipt)).status).toBe(404);
      expect(
        (await dgaVerify(dgaUrl, kind === 'surface' ? 'groundwater' : 'surface', codigoObra, receipt)).status,
      ).toBe(404);
    }
    expect(await dgaVerify(dgaUrl, 'groundwater', 'OB-0602-7', 'A'.repeat(32))).toEqual({
      status: 404,
      body: { status: '01', message: expect.any(String) },
    });
    const records = dga.records();
    expect(records.map((r) => [r.kind, r.codigoObra, r.delivered])).toEqual(cases.map(([k, , o]) => [k, o, true]));
    // Receipts are a function of the seed and the order of acceptance.
    dga.reset();
    await dgaSubmit(dgaUrl, {
      kind: 'groundwater',
      codigoObra: 'OB-0602-7',
      block: dgaBlock('groundwater', hoursAgo(0)),
    });
    expect(dga.records()[0]!.numeroComprobante).toBe(records[0]!.numeroComprobante);
    expect(dga.violations()).toEqual([]);
  });

  it('answers 400 {"status":"01"} with a reason to anything malformed, never a 5xx', async () => {
    const good = dgaBlock('groundwater', hoursAgo(0));
    const { fechaMedicion } = good;
    const bad: [string, Parameters<typeof dgaSubmit>[1]][] = [
      ['caudal with one decimal', { block: { ...good, caudal: '1.0' } }],
      ['caudal as a number', { block: { ...good, caudal: 1 } }],
      ['totalizador of 16 characters', { block: { ...good, totalizador: '1234567890123456' } }],
      ['totalizador with decimals', { block: { ...good, totalizador: '10.5' } }],
      ['level with one decimal', { block: { ...good, nivelFreaticoDelPozo: '9.8' } }],
      ['a field of another kind', { block: { ...good, alturaLimnimetrica: '3' } }],
      ['a missing field', { block: { caudal: '1.00', fechaMedicion, horaMedicion: good.horaMedicion } }],
      ['an impossible date', { block: { ...good, fechaMedicion: `${fechaMedicion!.slice(0, 4)}-02-30` } }],
      [
        'a date in another format',
        { block: { ...good, fechaMedicion: fechaMedicion!.split('-').reverse().join('-') } },
      ],
      ['hora without seconds', { block: { ...good, horaMedicion: good.horaMedicion!.slice(0, 5) } }],
      ['another kind of block', { kind: 'surface', block: good }],
      ['no autenticacion', { body: { medicionSubterranea: good } }],
      ['an extra top-level key', { body: { autenticacion: DGA_DEMO_CREDENTIALS, medicionSubterranea: good, x: 1 } }],
      ['a bad codigoObra', { codigoObra: 'OB-62-7', block: good }],
      ['no timeStampOrigen', { headers: { timeStampOrigen: '' }, block: good }],
      ['unparsable JSON', { body: '{"autenticacion":' }],
      ['a JSON array', { body: [] }],
    ];
    for (const [what, call] of bad) {
      const answer = await dgaSubmit(dgaUrl, call);
      expect([what, answer.status, answer.body.status, typeof answer.body.message]).toEqual([
        what,
        400,
        '01',
        'string',
      ]);
    }
    expect(dga.records()).toEqual([]);
    // An empty level is allowed (the "Caudales Muy Pequeños" standard).
    const empty = await dgaSubmit(dgaUrl, { block: { ...good, nivelFreaticoDelPozo: '' } });
    expect(empty.status).toBe(200);
  });

  it('refuses wrong credentials with 401 and a foreign work with the informant error, both recording nothing', async () => {
    const block = dgaBlock('groundwater', hoursAgo(0));
    const wrong = await dgaSubmit(dgaUrl, { block, credentials: { ...DGA_DEMO_CREDENTIALS, password: 'nope' } });
    expect(wrong.status).toBe(401);
    const foreign = await dgaSubmit(dgaUrl, { codigoObra: 'OB-0101-99', block });
    expect(foreign).toEqual({ status: 400, body: { message: 'Usuario no es el informante registrado en la Obra' } });
    dga.setInformantMismatch('OB-0602-7', true);
    expect((await dgaSubmit(dgaUrl, { codigoObra: 'OB-0602-7', block })).status).toBe(400);
    dga.setInformantMismatch('OB-0101-99', false);
    clock += DAY;
    expect((await dgaSubmit(dgaUrl, { codigoObra: 'OB-0101-99', block })).status).toBe(200);
    expect(dga.requests().map((r) => r.outcome)).toEqual(['unauthorized', 'informant', 'informant', 'accepted']);
    expect(dga.records()).toHaveLength(1);
  });

  it('rejects a measurement more than 5 minutes in the future of UTC−4, accepts one within', async () => {
    clock = lastHour + HOUR - 3 * MINUTE;
    expect((await dgaSubmit(dgaUrl, { block: dgaBlock('groundwater', lastHour + 2 * HOUR) })).status).toBe(400);
    expect(
      (await dgaSubmit(dgaUrl, { codigoObra: 'OB-0602-8', block: dgaBlock('groundwater', lastHour + HOUR) })).status,
    ).toBe(200);
  });

  it('answers a held measurement "Ya existe … Comprobante: X", and a resend of a delivered acceptance is RESEND_ACCEPTED', async () => {
    const block = dgaBlock('groundwater', hoursAgo(0));
    const first = await dgaSubmit(dgaUrl, { block });
    const receipt = (first.body.data as { numeroComprobante: string }).numeroComprobante;
    clock += DAY;
    const again = await dgaSubmit(dgaUrl, { block: { ...block, caudal: '2.00' } });
    expect(again).toEqual({
      status: 400,
      body: { message: `Ya existe un registro en esa fecha, hora para la obra. Comprobante: ${receipt}` },
    });
    expect(dga.violations()).toEqual([
      expect.objectContaining({
        source: 'DGA',
        rule: 'RESEND_ACCEPTED',
        codigoObra: 'OB-0602-7',
        ...utcMinus4(hoursAgo(0)),
        at: clock,
      }),
    ]);
    expect(dga.records()).toHaveLength(1);
    expect(dga.records()[0]!.values.caudal).toBe('1.00');
  });

  it('records no violation when the rules are obeyed: online sends, spaced backlog, a failed measurement resent a day later', async () => {
    // Online: one measurement of each of three works at once (concurrency is per work).
    await Promise.all(
      ['OB-0602-1', 'OB-0602-2', 'OB-0602-3'].map((o) =>
        dgaSubmit(dgaUrl, { codigoObra: o, block: dgaBlock('groundwater', hoursAgo(0)) }),
      ),
    );
    // A backlog of 3 hours for one work, one at a time 5 minutes apart.
    for (const n of [4, 3, 2]) {
      clock += 5 * MINUTE;
      expect(
        (await dgaSubmit(dgaUrl, { codigoObra: 'OB-0602-1', block: dgaBlock('groundwater', hoursAgo(n)) })).status,
      ).toBe(200);
    }
    // A 500, then the same measurement again a day later (and spaced from the work's last send).
    clock += 5 * MINUTE;
    dga.failNext(1);
    expect(
      (await dgaSubmit(dgaUrl, { codigoObra: 'OB-0602-2', block: dgaBlock('groundwater', hoursAgo(1)) })).status,
    ).toBe(500);
    clock += DAY;
    expect(
      (await dgaSubmit(dgaUrl, { codigoObra: 'OB-0602-2', block: dgaBlock('groundwater', hoursAgo(1)) })).status,
    ).toBe(200);
    expect(dga.violations()).toEqual([]);
    expect(dga.records()).toHaveLength(7);
  });

  it('flags RESEND_TOO_SOON: an immediate retry after a 500, after a 503 (down), after a rejection; silent a day later', async () => {
    const block = dgaBlock('groundwater', hoursAgo(0));
    dga.failNext(1, 500);
    expect((await dgaSubmit(dgaUrl, { block })).status).toBe(500);
    clock += 1000;
    expect((await dgaSubmit(dgaUrl, { codigoObra: 'OB-0602-8', block: { ...block, caudal: '1' } })).status).toBe(400);
    dga.setDown(true);
    expect((await dgaSubmit(dgaUrl, { block })).status).toBe(503);
    dga.setDown(false);
    expect(dga.records()).toEqual([]);
    clock += 1000;
    expect((await dgaSubmit(dgaUrl, { codigoObra: 'OB-0602-8', block })).status).toBe(200);
    expect(rules()).toEqual(['RESEND_TOO_SOON', 'RESEND_TOO_SOON']);
    clock += DAY;
    expect((await dgaSubmit(dgaUrl, { block })).status).toBe(200);
    expect(rules()).toHaveLength(2);
    expect(dga.requests().map((r) => [r.outcome, r.status])).toEqual([
      ['error500', 500],
      ['rejected', 400],
      ['down', 503],
      ['accepted', 200],
      ['accepted', 200],
    ]);
  });

  it('flags BACKLOG_SPACING for backlog sends closer than the spacing, but not for online ones', async () => {
    await dgaSubmit(dgaUrl, { block: dgaBlock('groundwater', hoursAgo(0)) });
    clock += MINUTE;
    // Less than 2 h old: online data, due now, no spacing.
    await dgaSubmit(dgaUrl, { block: dgaBlock('groundwater', hoursAgo(1)) });
    expect(dga.violations()).toEqual([]);
    clock += 4 * MINUTE;
    await dgaSubmit(dgaUrl, { block: dgaBlock('groundwater', hoursAgo(3)) });
    expect(dga.violations()).toEqual([expect.objectContaining({ rule: 'BACKLOG_SPACING', ...utcMinus4(hoursAgo(3)) })]);
    clock += 5 * MINUTE;
    await dgaSubmit(dgaUrl, { block: dgaBlock('groundwater', hoursAgo(4)) });
    expect(rules()).toEqual(['BACKLOG_SPACING']);
    expect(dga.requests().map((r) => r.late)).toEqual([false, true, true, true]);
  });

  it('flags CONCURRENT_SENDS for a second submit of a work still being answered, not for two works', async () => {
    dga.slowNext(1, 400);
    const [a, b] = await Promise.all([
      dgaSubmit(dgaUrl, { block: dgaBlock('groundwater', hoursAgo(0)) }),
      dgaSubmit(dgaUrl, { block: dgaBlock('groundwater', hoursAgo(1)) }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(rules()).toEqual(['CONCURRENT_SENDS']);
    dga.slowNext(1, 400);
    clock += DAY;
    await Promise.all([
      dgaSubmit(dgaUrl, { codigoObra: 'OB-0602-1', block: dgaBlock('groundwater', hoursAgo(0)) }),
      dgaSubmit(dgaUrl, { codigoObra: 'OB-0602-2', block: dgaBlock('groundwater', hoursAgo(0)) }),
    ]);
    expect(rules()).toEqual(['CONCURRENT_SENDS']);
  });

  it('flags WRONG_MINUTE for a measurement not on the hour (and still records it)', async () => {
    const at = hoursAgo(0) - 30 * MINUTE;
    expect((await dgaSubmit(dgaUrl, { block: dgaBlock('groundwater', at) })).status).toBe(200);
    expect(dga.violations()).toEqual([expect.objectContaining({ rule: 'WRONG_MINUTE', ...utcMinus4(at) })]);
  });

  it('loses an answer after recording: a resend a day later gets "Ya existe" with no violation, an immediate one is too soon', async () => {
    const block = dgaBlock('groundwater', hoursAgo(0));
    dga.loseAnswerNext(1);
    await expect(dgaSubmit(dgaUrl, { block })).rejects.toThrow();
    expect(dga.records()).toEqual([expect.objectContaining({ delivered: false, ...utcMinus4(hoursAgo(0)) })]);
    const receipt = dga.records()[0]!.numeroComprobante;
    clock += DAY;
    const resend = await dgaSubmit(dgaUrl, { block });
    expect(resend.body.message).toBe(`Ya existe un registro en esa fecha, hora para la obra. Comprobante: ${receipt}`);
    expect(dga.violations()).toEqual([]);
    expect(dga.records()[0]!.delivered).toBe(true);
    // Delivered now: any further send is a resend of an accepted measurement.
    clock += DAY;
    await dgaSubmit(dgaUrl, { block });
    expect(rules()).toEqual(['RESEND_ACCEPTED']);

    const other = dgaBlock('groundwater', hoursAgo(1));
    dga.loseAnswerNext(1);
    await expect(dgaSubmit(dgaUrl, { codigoObra: 'OB-0602-9', block: other })).rejects.toThrow();
    clock += HOUR;
    await dgaSubmit(dgaUrl, { codigoObra: 'OB-0602-9', block: other });
    expect(rules()).toEqual(['RESEND_ACCEPTED', 'RESEND_TOO_SOON']);
    expect(dga.requests().map((r) => r.outcome)).toEqual(['lost', 'duplicate', 'duplicate', 'lost', 'duplicate']);
  });

  it('an answer the client gave up waiting for is not delivered, so its resend a day later is no violation', async () => {
    const block = dgaBlock('groundwater', hoursAgo(0));
    dga.slowNext(1, 600);
    const spec = { method: 'POST', signal: AbortSignal.timeout(150) };
    await expect(
      fetch(`${dgaUrl}/api/v1/mediciones/subterraneas`, {
        ...spec,
        headers: {
          'content-type': 'application/json',
          codigoObra: 'OB-0602-7',
          timeStampOrigen: `${new Date().toISOString().slice(0, 19)}-0000`,
        },
        body: JSON.stringify({ autenticacion: DGA_DEMO_CREDENTIALS, medicionSubterranea: block }),
      }),
    ).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(dga.records()).toEqual([expect.objectContaining({ delivered: false })]);
    clock += DAY;
    expect((await dgaSubmit(dgaUrl, { block })).status).toBe(400);
    expect(dga.violations()).toEqual([]);
  });

  it('tamper makes verify answer another value; failVerifyNext fails verify only', async () => {
    const { body } = await dgaSubmit(dgaUrl, { block: dgaBlock('groundwater', hoursAgo(0)) });
    const receipt = (body.data as { numeroComprobante: string }).numeroComprobante;
    dga.tamper(receipt, 'caudal', '9.99');
    const verified = await dgaVerify(dgaUrl, 'groundwater', 'OB-0602-7', receipt);
    expect(verified.body.data).toEqual(expect.objectContaining({ caudal: '9.99', totalizador: '1010' }));
    expect(() => dga.tamper('B'.repeat(32), 'caudal', '1.00')).toThrow();
    dga.failVerifyNext(1, 503);
    expect((await dgaVerify(dgaUrl, 'groundwater', 'OB-0602-7', receipt)).status).toBe(503);
    expect((await dgaVerify(dgaUrl, 'groundwater', 'OB-0602-7', receipt)).status).toBe(200);
  });

  it('serves records, requests and violations over HTTP without a password', async () => {
    await dgaSubmit(dgaUrl, { block: dgaBlock('groundwater', hoursAgo(0)) });
    await dgaSubmit(dgaUrl, { block: dgaBlock('groundwater', hoursAgo(0)) });
    for (const what of ['records', 'requests', 'violations']) {
      const response = await fetch(`${dgaUrl}/_sim/${what}`);
      const text = await response.text();
      expect(JSON.parse(text)).toHaveLength(what === 'requests' ? 2 : 1);
      expect(text).not.toContain(DGA_DEMO_CREDENTIALS.password);
    }
  });

  it('delays every answer by latencyMs', async () => {
    const slow = createDgaSimulator({ latencyMs: 300 });
    const running = await startSimulatorServer([slow], 0);
    try {
      const started = Date.now();
      const answer = await dgaSubmit(`${running.url}/dga`, {
        block: dgaBlock('groundwater', Math.floor(Date.now() / HOUR) * HOUR),
      });
      expect(answer.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    } finally {
      await running.close();
    }
  });
});

describe('the SMA simulator', () => {
  const device = '3451/8021/12180';
  const stamp = () => smaStamp(hoursAgo(0));
  const login = async () => (await smaAuth(smaUrl)).body.token!;

  it('issues opaque tokens for the right credentials only, and expires them', async () => {
    expect((await smaAuth(smaUrl, { ...SMA_DEMO_CREDENTIALS, password: 'nope' })).status).toBe(401);
    expect((await smaAuth(smaUrl, { usuario: SMA_DEMO_CREDENTIALS.usuario })).status).toBe(400);
    const token = await login();
    expect(token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(await login()).not.toBe(token);
    expect(sma.tokensIssued()).toBe(2);
    expect((await smaPost(smaUrl, device, undefined, [smaItem('12180', stamp())])).status).toBe(401);
    expect((await smaPost(smaUrl, device, 'forged', [smaItem('12180', stamp())])).status).toBe(401);
    clock += HOUR;
    expect((await smaPost(smaUrl, device, token, [smaItem('12180', stamp())])).status).toBe(401);
    const renewed = await login();
    expect((await smaPost(smaUrl, device, renewed, [smaItem('12180', stamp())])).status).toBe(201);
    sma.expireTokens();
    expect((await smaPost(smaUrl, device, renewed, [smaItem('12180', smaStamp(hoursAgo(1)))])).status).toBe(401);
    expect(sma.records()).toHaveLength(1);
  });

  it('accepts a device with all its parameters at one stamp, answers a resend with the same IdVerificacion', async () => {
    const token = await login();
    const first = await smaPost(smaUrl, device, token, [smaItem('12180', stamp())]);
    expect(first).toEqual({ status: 201, body: { mensaje: 'Registro recibido', IdVerificacion: expect.any(String) } });
    const again = await smaPost(smaUrl, device, token, [smaItem('12180', stamp())]);
    expect(again).toEqual({ status: 200, body: first.body });
    expect(sma.violations()).toEqual([
      expect.objectContaining({
        source: 'SMA',
        rule: 'RESEND_ACCEPTED',
        codigoObra: device,
        fechaMedicion: stamp().slice(0, 10),
      }),
    ]);
    const two = await smaPost(smaUrl, '3451/8021', token, [smaItem('12181', stamp(), ['Q', 'VA'])]);
    expect(two.status).toBe(201);
    expect(two.body.IdVerificacion).not.toBe(first.body.IdVerificacion);
    expect(sma.records().map((r) => [r.dispositivoId, r.estampaTiempo, r.parametros.length])).toEqual([
      ['12180', stamp(), 3],
      ['12181', stamp(), 2],
    ]);
  });

  it('checks the parameters: exact set, units, values, one stamp, minute a multiple of 5, registered devices', async () => {
    const token = await login();
    const item = smaItem('12180', stamp());
    const off = smaStamp(hoursAgo(0) + 7 * MINUTE);
    const bad: [string, number, unknown][] = [
      ['a missing parameter', 400, [smaItem('12180', stamp(), ['Q', 'VA'])]],
      ['an extra parameter', 400, [smaItem('12180', stamp(), ['Q', 'VA', 'NF', 'T'])]],
      ['a repeated parameter', 400, [smaItem('12180', stamp(), ['Q', 'VA', 'VA'])]],
      [
        'a wrong unit',
        400,
        [{ ...item, parametros: item.parametros.map((p) => (p.nombre === 'Q' ? { ...p, unidad: 'm3/h' } : p)) }],
      ],
      ['a non-numeric value', 400, [{ ...item, parametros: item.parametros.map((p) => ({ ...p, valor: '4,5' })) }]],
      ['a number value', 400, [{ ...item, parametros: item.parametros.map((p) => ({ ...p, valor: 4.5 })) }]],
      [
        'two stamps in one call',
        400,
        [
          {
            ...item,
            parametros: item.parametros.map((p, i) => (i ? p : { ...p, estampaTiempo: smaStamp(hoursAgo(1)) })),
          },
        ],
      ],
      ['seconds in the stamp', 400, [smaItem('12180', `${stamp().slice(0, 17)}30`)]],
      ['an object, not an array', 400, item],
      ['an empty array', 400, []],
      ['unparsable JSON', 400, '[{"dispositivoId"'],
      ['an unregistered device', 403, [smaItem('99999', stamp())]],
      ['a device of another UF', 403, [smaItem('22001', stamp())]],
    ];
    for (const [what, status, body] of bad) {
      const answer = await smaPost(smaUrl, device, token, body);
      expect([what, answer.status, typeof answer.body.mensaje]).toEqual([what, status, 'string']);
    }
    expect(sma.violations()).toEqual([]);
    const wrongMinute = await smaPost(smaUrl, device, token, [smaItem('12180', off)]);
    expect(wrongMinute.status).toBe(400);
    expect(sma.violations()).toEqual([
      expect.objectContaining({ rule: 'WRONG_MINUTE', codigoObra: device, horaMedicion: off.slice(11) }),
    ]);
    expect(sma.records()).toEqual([]);
  });

  it('fails on demand with 500 recording nothing, loses an answer after recording, and a resend after a lost answer is no violation', async () => {
    const token = await login();
    sma.failNext(1);
    expect((await smaPost(smaUrl, device, token, [smaItem('12180', stamp())])).status).toBe(500);
    expect(sma.records()).toEqual([]);
    sma.loseAnswerNext(1);
    await expect(smaPost(smaUrl, device, token, [smaItem('12180', stamp())])).rejects.toThrow();
    const [record] = sma.records();
    expect(record).toEqual(expect.objectContaining({ dispositivoId: '12180', delivered: false }));
    const resend = await smaPost(smaUrl, device, token, [smaItem('12180', stamp())]);
    expect(resend).toEqual({
      status: 200,
      body: { mensaje: 'Registro recibido', IdVerificacion: record!.idVerificacion },
    });
    expect(sma.violations()).toEqual([]);
    expect(sma.requests().map((r) => [r.outcome, r.status])).toEqual([
      ['error500', 500],
      ['lost', 0],
      ['duplicate', 200],
    ]);
    const text = await (await fetch(`${smaUrl}/_sim/requests`)).text();
    expect(JSON.parse(text)).toHaveLength(3);
    expect(text).not.toContain(SMA_DEMO_CREDENTIALS.password);
    expect(text).not.toContain(token);
  });
});

describe('the local stack simulators', () => {
  it('serve /dga and /sma with their demo credentials, devices and informant-error work', async () => {
    const running = await startSimulatorServer(createSimulators({ seed: 1 }), 0);
    try {
      const health = (await (await fetch(`${running.url}/health`)).json()) as {
        simulators: { path: string; description: string }[];
      };
      for (const path of ['/dga', '/sma'])
        expect(health.simulators.find((s) => s.path === path)?.description).toContain('demo values');
      const block = dgaBlock('groundwater', Math.floor(Date.now() / HOUR) * HOUR);
      expect((await dgaSubmit(`${running.url}/dga`, { block })).status).toBe(200);
      expect((await dgaSubmit(`${running.url}/dga`, { codigoObra: DGA_DEMO_FOREIGN_WORK, block })).body.message).toBe(
        'Usuario no es el informante registrado en la Obra',
      );
      const { token } = (await smaAuth(`${running.url}/sma`)).body;
      const [device, parametros] = Object.entries(SMA_DEMO_DEVICES)[0]!;
      const item = smaItem(
        device.split('/')[2]!,
        smaStamp(Math.floor(Date.now() / HOUR) * HOUR),
        parametros.map((p) => p.nombre),
      );
      expect((await smaPost(`${running.url}/sma`, device, token, [item])).status).toBe(201);
    } finally {
      await running.close();
    }
  });
});
