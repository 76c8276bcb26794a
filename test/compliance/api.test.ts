import { randomInt } from 'node:crypto';
import { PROBLEM_ALREADY_ACCEPTED } from '../../api/compliance/ledger';
import { senderWorkflowId, slotWorkflowId } from '../../lib/compliance/sender-contract';
import { TEST_KEYS } from '../harness/context';
import { ISOLATED_NAMESPACE } from '../harness/env';
import { startTestApi, type TestApi } from '../api/api-client';
import { createTelemetryTestContext, type TelemetryTestContext } from '../telemetry/harness';

/** Distinctive, so a leak would be found by grep; RUTs with valid check digits. */
const DGA_SECRET = 'dga-api-test-Pa55word-7f3e';
const CREDENTIALS = {
  'dga-test': { rutEmpresa: '76086428-5', rutUsuario: '11111111-1', password: DGA_SECRET },
  'dga-bad-rut': { rutEmpresa: '76086428-4', rutUsuario: '11111111-1', password: DGA_SECRET },
  'sma-test': { usuario: '11111111-1', password: 'sma-api-test-secret' },
};

let ctx: TelemetryTestContext;
let api: TestApi;
let pointA: string;
let pointB: string;
let pointC: string;
const requested: string[] = [];
beforeAll(async () => {
  // No worker runs here: in the fuzz test's namespace, what this API starts reaches no other file's worker.
  ctx = await createTelemetryTestContext(() => ({ TEMPORAL_NAMESPACE: ISOLATED_NAMESPACE }));
  ctx.writeCredentials(CREDENTIALS);
  // Configuration ids name slot workflows in the shared Temporal namespace: start them where no
  // other test file's database does.
  await ctx.db.query(`ALTER SEQUENCE compliance_configs_id_seq RESTART WITH ${randomInt(1_000_000, 1_000_000_000)}`);
  api = await startTestApi(ctx);
  [pointA, pointB, pointC] = ctx.points.map((p) => p.code) as [string, string, string];
}, 120_000);
afterAll(async () => {
  // The slot workflows the API started wait for a worker that this file never runs. (The sender of
  // the `compliance` queue is left alone: the fuzz test's API may be waking it.)
  for (const workflowId of requested)
    await ctx.client.workflow
      .getHandle(workflowId)
      .terminate('test done')
      .catch(() => undefined);
  await api?.close();
  await ctx?.close();
});

const dgaConfig = (pointCode: string, codigoObra = 'OB-0602-7') => ({
  pointCode,
  source: 'DGA',
  standard: 'MAYOR',
  dga: { codigoObra, workKind: 'SUBTERRANEA' },
  credentialsRef: 'dga-test',
  activeFrom: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10),
});

async function create(body: unknown) {
  return api.post('/api/v1/compliance/configs', body);
}

describe('compliance configurations', () => {
  it('are created, read, listed, changed and deactivated, and wake the compliance sender', async () => {
    const created = await create(dgaConfig(pointA!));
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      pointCode: pointA,
      source: 'DGA',
      standard: 'MAYOR',
      manual: false,
      dga: { codigoObra: 'OB-0602-7', workKind: 'SUBTERRANEA' },
      credentialsRef: 'dga-test',
      activeTo: null,
      status: 'ACTIVE',
    });
    const id = created.json.id as number;
    const sender = ctx.client.workflow.getHandle(senderWorkflowId());
    const described = await sender.describe();
    expect(described).toMatchObject({ type: 'complianceSender', taskQueue: 'compliance' });
    const history = await sender.fetchHistory();
    const woken = (history.events ?? []).flatMap((e) => {
      const signal = e.workflowExecutionSignaledEventAttributes;
      const data = signal?.signalName === 'wake' ? signal.input?.payloads?.[0]?.data : undefined;
      return data ? (JSON.parse(Buffer.from(data).toString()) as { configIds: string[] }).configIds : [];
    });
    expect(woken).toContain(String(id));

    expect((await api.get(`/api/v1/compliance/configs/${id}`, TEST_KEYS.viewer)).json.id).toBe(id);
    const list = await api.get(`/api/v1/compliance/configs?point=${pointA}&source=DGA`, TEST_KEYS.viewer);
    expect(list.json).toMatchObject({ total: 1, items: [{ id }] });

    const today = new Date().toISOString().slice(0, 10);
    const changed = await api.request('PATCH', `/api/v1/compliance/configs/${id}`, { body: { activeTo: today } });
    expect(changed.status).toBe(200);
    expect(changed.json.activeTo).toBe(today);
    const before = await api.request('PATCH', `/api/v1/compliance/configs/${id}`, {
      body: { activeTo: '2001-01-01' },
    });
    expect(before.status).toBe(400);

    const removed = await api.request('DELETE', `/api/v1/compliance/configs/${id}`);
    expect(removed.json.status).toBe('INACTIVE');
    expect((await api.get('/api/v1/compliance/configs/999999999999', TEST_KEYS.viewer)).status).toBe(404);
  });

  it('refuse one work or point twice, unknown points, bad codes, and credentials that cannot work', async () => {
    expect((await create(dgaConfig(pointB!, 'OB-0101-1'))).status).toBe(201);
    expect((await create(dgaConfig(pointB!, 'OB-0101-2'))).status).toBe(409);
    expect((await create({ ...dgaConfig('NO-SUCH-POINT', 'OB-0101-3') })).status).toBe(400);
    for (const codigoObra of ['OX-0101-1', 'OB-101-1', 'OB-0101-', 'ob-0101-1']) {
      const bad = await create(dgaConfig(pointA!, codigoObra));
      expect(bad.status).toBe(400);
      expect(bad.json.errors[0].field).toBe('body.dga.codigoObra');
    }
    const badRut = await create({ ...dgaConfig(pointA!, 'OB-0101-4'), credentialsRef: 'dga-bad-rut' });
    expect(badRut.status).toBe(400);
    expect(badRut.json.detail).toContain('rutEmpresa has a wrong check digit');
    expect(badRut.text).not.toContain('76086428');
    expect(badRut.text).not.toContain(DGA_SECRET);
    const unknownRef = await create({ ...dgaConfig(pointA!, 'OB-0101-4'), credentialsRef: 'nope' });
    expect(unknownRef.status).toBe(400);
    // An SMA entry lacks what the DGA needs.
    expect((await create({ ...dgaConfig(pointA!, 'OB-0101-4'), credentialsRef: 'sma-test' })).status).toBe(400);
    const smaWithoutIds = await create({ ...dgaConfig(pointA!), source: 'SMA', standard: 'SMA', dga: undefined });
    expect(smaWithoutIds.status).toBe(400);
    const wrongStandard = await create({
      pointCode: pointA,
      source: 'SMA',
      standard: 'MAYOR',
      sma: { ufId: 'UF-1', procesoId: 'P-1', dispositivoId: '12180' },
      credentialsRef: 'sma-test',
      activeFrom: '2026-01-01',
    });
    expect(wrongStandard.status).toBe(400);
    const sma = await create({
      pointCode: pointA,
      source: 'SMA',
      standard: 'SMA',
      sma: { ufId: 'UF-1', procesoId: 'P-1', dispositivoId: '12180' },
      credentialsRef: 'sma-test',
      activeFrom: '2026-01-01',
    });
    expect(sma.status).toBe(201);
    expect(sma.json.sma).toEqual({
      ufId: 'UF-1',
      procesoId: 'P-1',
      dispositivoId: '12180',
      parameters: ['Q', 'VA', 'NF'],
    });
    const reversed = await create({
      ...dgaConfig(pointA!, 'OB-0101-5'),
      activeFrom: '2026-02-01',
      activeTo: '2026-01-01',
    });
    expect(reversed.status).toBe(400);
  });

  it('need an operator key to change and a key to read', async () => {
    expect((await api.post('/api/v1/compliance/configs', dgaConfig(pointA!), TEST_KEYS.viewer)).status).toBe(403);
    expect((await api.get('/api/v1/compliance/configs', null)).status).toBe(401);
    expect(
      (await api.get('/api/v1/compliance/sources', TEST_KEYS.viewer)).json.items.map((s: { code: string }) => s.code),
    ).toEqual(['DGA', 'SMA']);
  });
});

describe('the ledger routes', () => {
  let configId: number;
  const hour = 3_600_000;
  const base = Math.floor(Date.now() / hour) * hour - 10 * hour;
  const slot = (n: number) => new Date(base + n * hour).toISOString();

  beforeAll(async () => {
    const created = await create(dgaConfig(pointC!, 'OB-0602-9'));
    expect(created.status).toBe(201);
    configId = created.json.id;
    // The ledger as the sending path leaves it: two confirmed, one waiting for data, one rejected.
    for (const [n, status, receipt, reason] of [
      [0, 'CONFIRMED', 'zk7DOAl3uIlGTjvwNtwBF0sBLAR16cI5', null],
      [1, 'CONFIRMED', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1', null],
      [2, 'PENDING', null, 'no TOTAL measurement within 5 minutes of the slot'],
      [3, 'REJECTED', null, 'caudal: invalid'],
    ] as const) {
      await ctx.db.query(
        `INSERT INTO compliance_submissions (config_id, slot, status, receipt, reason, payload, attempts, accepted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          configId,
          slot(n),
          status,
          receipt,
          reason,
          receipt ? '{"medicionSubterranea":{"caudal":"1.00"}}' : null,
          receipt || status === 'REJECTED' ? 1 : 0,
          receipt ? slot(n) : null,
        ],
      );
      if (receipt || status === 'REJECTED')
        await ctx.db.query(
          `INSERT INTO compliance_attempts (config_id, slot, attempt, started_at, finished_at, outcome, http_status, receipt)
           VALUES ($1, $2, 1, $3, $3, $4, $5, $6)`,
          [configId, slot(n), slot(n), receipt ? 'ACCEPTED' : 'REJECTED', receipt ? 200 : 400, receipt],
        );
    }
  });

  it('list submissions with their attempts, filtered and paged without gaps', async () => {
    const all = await api.get(`/api/v1/compliance/submissions?config=${configId}`, TEST_KEYS.viewer);
    expect(all.status).toBe(200);
    expect(all.json.items.map((s: { status: string }) => s.status)).toEqual([
      'CONFIRMED',
      'CONFIRMED',
      'PENDING',
      'REJECTED',
    ]);
    expect(all.json.items[0].attempts).toEqual([
      expect.objectContaining({ kind: 'SUBMIT', attempt: 1, outcome: 'ACCEPTED', httpStatus: 200 }),
    ]);
    expect(all.json.items[2]).toMatchObject({ reason: expect.stringContaining('TOTAL'), payload: null, attempts: [] });

    const seen: string[] = [];
    let next: string | null = null;
    do {
      const page: { json: { items: { slot: string }[]; next: string | null } } = await api.get(
        `/api/v1/compliance/submissions?config=${configId}&limit=3${next ? `&after=${encodeURIComponent(next)}` : ''}`,
        TEST_KEYS.viewer,
      );
      seen.push(...page.json.items.map((s) => s.slot));
      next = page.json.next;
    } while (next);
    expect(seen).toEqual([slot(0), slot(1), slot(2), slot(3)]);

    const window = await api.get(
      `/api/v1/compliance/submissions?config=${configId}&status=CONFIRMED&from=${slot(1)}&to=${slot(3)}`,
      TEST_KEYS.viewer,
    );
    expect(window.json.items.map((s: { slot: string }) => s.slot)).toEqual([slot(1)]);
    expect((await api.get('/api/v1/compliance/submissions?after=garbage', TEST_KEYS.viewer)).status).toBe(400);
  });

  it("show a configuration's status: backlog, next slot, last receipt, what its workflow does", async () => {
    const status = await api.get(`/api/v1/compliance/configs/${configId}/status`, TEST_KEYS.viewer);
    expect(status.status).toBe(200);
    expect(status.json).toMatchObject({
      config: { id: configId },
      counts: { CONFIRMED: 2, PENDING: 1, REJECTED: 1 },
      backlog: 1,
      nextSlot: slot(2),
      lastReceipt: { slot: slot(1), receipt: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1' },
      sending: { workflowId: senderWorkflowId() },
    });
    // No worker of the compliance queue runs in this namespace.
    expect(status.json.sending.state).toBe('no-worker');
  });

  it('submit a pending or rejected slot through its slot workflow; an accepted one never (409)', async () => {
    const accepted = await api.post(`/api/v1/compliance/configs/${configId}/slots/${slot(0)}/submit`);
    expect(accepted.status).toBe(409);
    expect(accepted.json.type).toBe(PROBLEM_ALREADY_ACCEPTED);

    const pending = await api.post(`/api/v1/compliance/configs/${configId}/slots/${slot(2)}/submit`);
    expect(pending.status).toBe(202);
    const slotRun = slotWorkflowId(String(configId), slot(2));
    requested.push(slotRun);
    expect(pending.json).toMatchObject({ configId, slot: slot(2), workflowId: slotRun });
    expect(await ctx.client.workflow.getHandle(slotRun).describe()).toMatchObject({ type: 'complianceSlot' });
    // Asked again while it runs: the same workflow.
    expect((await api.post(`/api/v1/compliance/configs/${configId}/slots/${slot(2)}/submit`)).json.workflowId).toBe(
      slotRun,
    );

    expect((await api.post(`/api/v1/compliance/configs/${configId}/slots/${slot(3)}/submit`)).status).toBe(202);
    requested.push(slotWorkflowId(String(configId), slot(3)));
    expect((await api.post(`/api/v1/compliance/configs/${configId}/slots/${slot(7)}/submit`)).status).toBe(404);
    expect((await api.post(`/api/v1/compliance/configs/${configId}/slots/yesterday/submit`)).status).toBe(400);
    expect(
      (await api.post(`/api/v1/compliance/configs/${configId}/slots/${slot(2)}/submit`, {}, TEST_KEYS.viewer)).status,
    ).toBe(403);

    await api.request('PATCH', `/api/v1/compliance/configs/${configId}`, { body: { status: 'INACTIVE' } });
    expect((await api.post(`/api/v1/compliance/configs/${configId}/slots/${slot(2)}/submit`)).status).toBe(409);
  });
});
