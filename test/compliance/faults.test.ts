import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDatabase, type Database } from '../../lib/db';
import { Secret } from '../../lib/secret';
import { startFaultyProxy, type FaultyProxy } from '../harness/tcp-proxy';
import { killWorkerProcess, startWorkerProcess } from '../harness/worker-process';
import {
  activeFromFor,
  createComplianceTestContext,
  DGA_PASSWORD,
  H,
  insertDgaConfig,
  insertPoint,
  insertSmaConfig,
  ledger,
  nextWork,
  SMA_PASSWORD,
  startConfig,
  stopSender,
  waitFor,
  withComplianceWorker,
  withData,
  workState,
  type ComplianceTestContext,
} from './harness';

/**
 * Faults around a send: the worker SIGKILLed after the DGA recorded a measurement but before the
 * ledger knew, the answer lost, PostgreSQL cut off, the DGA down for longer than a "day" (5 s
 * here). Afterwards every slot is accepted exactly once at the simulator, the ledger equals the
 * simulator's records, and the referee saw no violation. Then the secrets scan over everything
 * these runs left: every table, every workflow history, the worker and test logs.
 */
let ctx: ComplianceTestContext;
let proxy: FaultyProxy;
let proxiedDb: Database;
const children: ChildProcess[] = [];
const queues: string[] = [];
const logs: string[] = [];
const writes = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };

beforeAll(async () => {
  // Everything this process prints while the tests run goes to the scan too.
  process.stdout.write = ((chunk: unknown, ...rest: never[]) => {
    logs.push(String(chunk));
    return writes.out(chunk as string, ...rest);
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown, ...rest: never[]) => {
    logs.push(String(chunk));
    return writes.err(chunk as string, ...rest);
  }) as typeof process.stderr.write;
  ctx = await createComplianceTestContext();
  const url = new URL(ctx.databaseUrl.reveal());
  proxy = await startFaultyProxy(Number(url.port));
  url.port = String(proxy.port);
  proxiedDb = createDatabase({ url: new Secret(url.toString()), max: 4 });
}, 120_000);
afterAll(async () => {
  process.stdout.write = writes.out;
  process.stderr.write = writes.err;
  for (const queue of queues) await stopSender(ctx, queue);
  for (const child of children) await killWorkerProcess(child);
  await proxiedDb.close();
  await proxy.close();
  await ctx.close();
});

const hourFloor = (t: number) => Math.floor(t / H) * H;

/** Every text, json(b) and array column of every table that holds one of `secrets`. */
async function tableHits(secrets: string[]) {
  const columns = await ctx.db.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY')`,
  );
  expect(columns.rows.length).toBeGreaterThan(20);
  const hits: { column: string; hits: number }[] = [];
  for (const { table_name, column_name } of columns.rows) {
    const { rows } = await ctx.db.query<{ n: bigint }>(
      `SELECT count(*) AS n FROM "${table_name}" WHERE "${column_name}"::text LIKE ANY($1::text[])`,
      [secrets.map((s) => `%${s}%`)],
    );
    if (rows[0]!.n > 0n) hits.push({ column: `${table_name}.${column_name}`, hits: Number(rows[0]!.n) });
  }
  return hits;
}

/**
 * A work whose sending starts on the test's queue: its sender is started with a short heartbeat
 * timeout (a dead worker is seen in 2 s). Each test's sender ends with it, so the next test's
 * works are sent by that test's worker only (a sender sends every due work of the database).
 */
async function startWork(point: string, taskQueue: string, hours: number, work = nextWork()) {
  const now = Date.now();
  const since = new Date(hourFloor(now) - (hours - 1) * H);
  await insertPoint(ctx, point, new Date(since.getTime() - 5 * 60_000), new Date(now));
  const id = await insertDgaConfig(ctx, point, work, { activeFrom: activeFromFor(since) });
  await startConfig(ctx, id, taskQueue, { heartbeatTimeout: '2 seconds' });
  return { id, work, since, hours, until: new Date(now) };
}

/** Every slot with data accepted exactly once at the DGA, and the ledger equal to the DGA's records. */
async function expectExactlyOnce({
  id,
  work,
  since,
  hours,
  until,
}: {
  id: string;
  work: string;
  since: Date;
  hours: number;
  until: Date;
}) {
  const rows = await waitFor(
    `config ${id} confirmed`,
    async () => {
      const all = withData(await ledger(ctx, id), since, until);
      return all.length >= hours && all.every((r) => r.status === 'CONFIRMED') && all;
    },
    120_000,
  );
  const records = ctx.dga.records().filter((r) => r.codigoObra === work);
  const bySlot = new Map(
    records.map((r) => [new Date(Date.parse(`${r.fechaMedicion}T${r.horaMedicion}-04:00`)).toISOString(), r]),
  );
  expect(records).toHaveLength(rows.length);
  for (const row of rows) expect(row.receipt).toBe(bySlot.get(row.slot)?.numeroComprobante);
  expect(ctx.dga.violations()).toEqual([]);
  return rows;
}

const inProcess = <T>(fn: (taskQueue: string) => Promise<T>, db?: Database) =>
  withComplianceWorker(
    ctx,
    'compliance-faults',
    (taskQueue) => {
      queues.push(taskQueue);
      return fn(taskQueue);
    },
    ctx.activities(db ? { db } : {}),
  );

describe('compliance sends under faults', () => {
  it('worker SIGKILLed after the DGA recorded, before the ledger knew: resolved, resent a "day" later as a duplicate', async () => {
    const taskQueue = ctx.uniqueQueue('compliance-kill');
    queues.push(taskQueue);
    const workerOf = async () => {
      const child = await startWorkerProcess(
        {
          taskQueue,
          databaseUrl: ctx.databaseUrl.reveal(),
          activities: 'compliance',
          env: {
            CREDENTIALS_FILE: ctx.credentialsFile,
            DGA_BASE_URL: ctx.config.regulators.dgaBaseUrl!,
            SMA_BASE_URL: ctx.config.regulators.smaBaseUrl!,
            DGA_BACKLOG_SPACING: '1s',
            DGA_RETRY_EVERY: '5s',
          },
        },
        children,
      );
      for (const stream of [child.stdout, child.stderr])
        stream?.on('data', (chunk: Buffer) => logs.push(String(chunk)));
      return child;
    };
    const first = await workerOf();
    ctx.dga.slowNext(1, 4_000);
    const work = await startWork('KILL', taskQueue, 3);
    await waitFor('the first request at the DGA', async () =>
      ctx.dga.requests().some((r) => r.codigoObra === work.work),
    );
    await killWorkerProcess(first);
    // Recorded at the DGA, unknown to the ledger: the attempt is still IN_FLIGHT.
    expect(ctx.dga.records().filter((r) => r.codigoObra === work.work)).toHaveLength(1);
    const inFlight = await ctx.db.query(
      `SELECT 1 FROM compliance_attempts WHERE config_id = $1::bigint AND outcome = 'IN_FLIGHT'`,
      [work.id],
    );
    expect(inFlight.rowCount).toBe(1);
    await workerOf();
    const rows = await expectExactlyOnce(work);
    const attempts = await ctx.db.query<{ outcome: string }>(
      `SELECT outcome FROM compliance_attempts WHERE config_id = $1::bigint AND kind = 'SUBMIT' ORDER BY slot, attempt`,
      [work.id],
    );
    expect(attempts.rows.map((r) => r.outcome).sort()).toEqual(['ACCEPTED', 'ACCEPTED', 'DUPLICATE', 'NO_ANSWER']);
    expect(rows.filter((r) => r.attempts === 2)).toHaveLength(1);
    await stopSender(ctx, taskQueue);
  }, 180_000);

  it('the answer lost after the DGA recorded: NO_ANSWER, resent a "day" later, accepted with the receipt', async () => {
    await inProcess(async (taskQueue) => {
      ctx.dga.loseAnswerNext(1);
      const work = await startWork('LOST', taskQueue, 3);
      const rows = await expectExactlyOnce(work);
      expect(rows.map((r) => r.attempts).sort()).toEqual([1, 1, 2]);
      const requests = ctx.dga.requests().filter((r) => r.codigoObra === work.work);
      expect(requests.map((r) => r.outcome).sort()).toEqual(['accepted', 'accepted', 'duplicate', 'lost']);
    });
  }, 120_000);

  it('PostgreSQL cut off while an answer is on its way: nothing lost or sent twice', async () => {
    await inProcess(async (taskQueue) => {
      ctx.dga.slowNext(1, 1_500);
      const work = await startWork('DBCUT', taskQueue, 4);
      await waitFor('the slow request at the DGA', async () =>
        ctx.dga.requests().some((r) => r.codigoObra === work.work),
      );
      proxy.down();
      await sleep(3_000);
      proxy.up();
      const rows = await expectExactlyOnce(work);
      // The answer waited for the database (recorded after it came back), and was not resent.
      expect(rows.every((r) => r.attempts === 1)).toBe(true);
      const { rows: slowest } = await ctx.db.query<{ ms: number }>(
        `SELECT max(extract(epoch FROM finished_at - started_at) * 1000)::float8 AS ms FROM compliance_attempts
          WHERE config_id = $1::bigint AND kind = 'SUBMIT'`,
        [work.id],
      );
      expect(slowest[0]!.ms).toBeGreaterThan(2_500);
    }, proxiedDb);
  }, 120_000);

  it('the DGA down for longer than a "day": each slot tried once a "day", all accepted once it is back', async () => {
    await inProcess(async (taskQueue) => {
      ctx.dga.setDown(true);
      const work = await startWork('DOWN', taskQueue, 3);
      // An SMA work meanwhile, for the secrets scan.
      const now = Date.now();
      await insertPoint(ctx, 'DOWN-SMA', new Date(hourFloor(now) - H - 5 * 60_000), new Date(now));
      const sma = await insertSmaConfig(
        ctx,
        'DOWN-SMA',
        { ufId: '3451', procesoId: '8021', dispositivoId: '12180' },
        activeFromFor(new Date(hourFloor(now) - H)),
      );
      await startConfig(ctx, sma, taskQueue);
      // Meanwhile the work waits for the daily resend, and its row says so.
      await waitFor(
        'the work waiting for the retry rule',
        async () => (await workState(ctx, work.id)).state === 'waiting-retry',
      );
      // Down until every slot has been tried again a "day" later (not for a guessed 10 s, which a loaded
      // machine may not fill with the retries).
      await waitFor('each slot tried again while down', async () => {
        const tries = new Map<string, number>();
        for (const r of ctx.dga.requests())
          if (r.codigoObra === work.work && r.outcome === 'down')
            tries.set(r.horaMedicion, (tries.get(r.horaMedicion) ?? 0) + 1);
        return tries.size === 3 && [...tries.values()].every((n) => n >= 2);
      });
      ctx.dga.setDown(false);
      await expectExactlyOnce(work);
      const down = ctx.dga.requests().filter((r) => r.codigoObra === work.work && r.outcome === 'down');
      expect(down.length).toBeGreaterThanOrEqual(6);
      // Per slot, its failed attempts at least a "day" apart.
      const bySlot = new Map<string, number[]>();
      for (const r of ctx.dga.requests().filter((q) => q.codigoObra === work.work))
        bySlot.set(r.horaMedicion, [...(bySlot.get(r.horaMedicion) ?? []), r.at]);
      for (const times of bySlot.values())
        for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(5_000);
      await waitFor('the SMA work confirmed', async () =>
        (await ledger(ctx, sma)).some((r) => r.status === 'CONFIRMED'),
      );
      expect(ctx.sma.violations()).toEqual([]);
    });
  }, 120_000);

  it('no password anywhere: tables, workflow histories, logs', async () => {
    const secrets = [DGA_PASSWORD, SMA_PASSWORD];
    // The scan must be able to fail: a planted password is found.
    await ctx.db.query('CREATE TABLE scan_probe (note jsonb)');
    await ctx.db.query('INSERT INTO scan_probe VALUES ($1)', [JSON.stringify({ p: SMA_PASSWORD })]);
    expect(await tableHits(secrets)).toEqual([{ column: 'scan_probe.note', hits: 1 }]);
    await ctx.db.query('DROP TABLE scan_probe');
    expect(await tableHits(secrets)).toEqual([]);

    // Every run of every workflow these tests started (each test's sender, with its batches' inputs and results).
    let histories = 0;
    for (const queue of queues) {
      for await (const execution of ctx.client.workflow.list({ query: `TaskQueue = '${queue}'` })) {
        const history = await ctx.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
        const text = JSON.stringify(history);
        for (const secret of secrets) expect(text.includes(secret)).toBe(false);
        histories += 1;
      }
    }
    expect(histories).toBeGreaterThanOrEqual(queues.length);
    const text = logs.join('');
    for (const secret of secrets) expect(text.includes(secret)).toBe(false);
    const submissions = await ctx.db.query<{ payload: unknown }>(
      'SELECT payload FROM compliance_submissions WHERE payload IS NOT NULL',
    );
    expect(submissions.rows.length).toBeGreaterThan(10);
    for (const row of submissions.rows) expect(JSON.stringify(row.payload)).not.toContain('autenticacion');
  });
});
