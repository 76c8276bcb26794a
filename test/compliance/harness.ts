import { randomBytes, randomInt } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createComplianceActivities, type ComplianceActivityDeps } from '../../activities/compliance';
import { withFailureMapping } from '../../lib/errors';
import { regulatorDate } from '../../lib/compliance/calendar';
import { ensureComplianceSender } from '../../platform/compliance-sender';
import {
  createDgaSimulator,
  DGA_DEMO_CREDENTIALS,
  type DgaSimulator,
  type DgaSimulatorOptions,
} from '../../local/simulators/dga';
import {
  createSmaSimulator,
  SMA_DEMO_CREDENTIALS,
  type SmaSimulator,
  type SmaSimulatorOptions,
} from '../../local/simulators/sma';
import { startSimulatorServer, type RunningSimulators } from '../../local/simulators/server';
import { senderWorkflowId } from '../../lib/compliance/sender-contract';
import type { ComplianceSenderInput } from '../../workflows/compliance/types';
import { createTestContext, type TestContext } from '../harness/context';

export const H = 3_600_000;

/** Distinctive per run, so the secrets scan finds them if they leak anywhere. */
export const DGA_PASSWORD = `dga-Pw-${randomBytes(6).toString('hex')}`;
export const SMA_PASSWORD = `sma-Pw-${randomBytes(6).toString('hex')}`;

export interface ComplianceTestContext extends TestContext {
  dga: DgaSimulator;
  sma: SmaSimulator;
  simServer: RunningSimulators;
  credentialsFile: string;
  /** Worker-side options the test's in-process activities are built with. */
  activities(extra?: Partial<ComplianceActivityDeps>): ReturnType<typeof createComplianceActivities>;
  close(): Promise<void>;
}

export interface ComplianceTestOptions {
  spacing?: string;
  retryEvery?: string;
  dga?: DgaSimulatorOptions;
  sma?: SmaSimulatorOptions;
}

const MS = { ms: 1, s: 1_000, m: 60_000, h: H } as const;
const toMs = (d: string) => Number(/^\d+/.exec(d)![0]) * MS[/[a-z]+$/.exec(d)![0] as keyof typeof MS];

/**
 * A test context with the DGA and SMA simulators over HTTP (their referees on the same spacing and
 * "day" as the pipeline), a CREDENTIALS_FILE (mode 600) holding distinctive passwords, and
 * configuration ids starting at a random number, so slot workflow ids never meet another test
 * file's on the shared Temporal server.
 */
export async function createComplianceTestContext(options: ComplianceTestOptions = {}): Promise<ComplianceTestContext> {
  const spacing = options.spacing ?? '1s';
  const retryEvery = options.retryEvery ?? '5s';
  const dgaCredentials = { ...DGA_DEMO_CREDENTIALS, password: DGA_PASSWORD };
  const smaCredentials = { ...SMA_DEMO_CREDENTIALS, password: SMA_PASSWORD };
  const dga = createDgaSimulator({
    seed: randomInt(1, 1_000_000),
    backlogSpacingMs: toMs(spacing),
    retryEveryMs: toMs(retryEvery),
    credentials: dgaCredentials,
    ...options.dga,
  });
  const sma = createSmaSimulator({ seed: randomInt(1, 1_000_000), credentials: smaCredentials, ...options.sma });
  const simServer = await startSimulatorServer([dga, sma], 0);
  const dir = mkdtempSync(path.join(tmpdir(), 'compliance-credentials-'));
  const credentialsFile = path.join(dir, 'credentials.json');
  writeFileSync(
    credentialsFile,
    JSON.stringify({ 'dga-main': dgaCredentials, 'sma-main': smaCredentials, 'dga-incomplete': { rutEmpresa: 'x' } }),
    { mode: 0o600 },
  );
  chmodSync(credentialsFile, 0o600);
  const ctx = await createTestContext({
    CREDENTIALS_FILE: credentialsFile,
    DGA_BASE_URL: `${simServer.url}/dga`,
    SMA_BASE_URL: `${simServer.url}/sma`,
    DGA_BACKLOG_SPACING: spacing,
    DGA_RETRY_EVERY: retryEvery,
  });
  await ctx.db.query(`SELECT setval('compliance_configs_id_seq', $1)`, [randomInt(1_000_000, 2_000_000_000)]);
  await ctx.db.query(
    `INSERT INTO telemetry_config_versions (version, config) VALUES ('compliance-test', '{}') ON CONFLICT DO NOTHING`,
  );
  return {
    ...ctx,
    dga,
    sma,
    simServer,
    credentialsFile,
    activities: (extra = {}) =>
      withFailureMapping(createComplianceActivities({ config: ctx.config, db: ctx.db, client: ctx.client, ...extra })),
    async close() {
      await ctx.close();
      await simServer.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A point with measurements every `stepMinutes` over `[from, to]`: flow, a growing totalizer, level. */
export async function insertPoint(
  ctx: Pick<TestContext, 'db'>,
  code: string,
  from: Date,
  to: Date,
  { stepMinutes = 5, variables = ['flow', 'total', 'level'] }: { stepMinutes?: number; variables?: string[] } = {},
): Promise<void> {
  await ctx.db.query(
    `INSERT INTO telemetry_points (code, name, point_type, latitude, longitude, provider, device_id, credentials_ref, frequency_minutes)
     VALUES ($1, $1, 'WELL', -33.4, -70.6, 'twin', $1, 'none', 5) ON CONFLICT DO NOTHING`,
    [code],
  );
  await insertMeasurements(ctx, code, from, to, { stepMinutes, variables });
}

export async function insertMeasurements(
  ctx: Pick<TestContext, 'db'>,
  code: string,
  from: Date,
  to: Date,
  { stepMinutes = 5, variables = ['flow', 'total', 'level'] }: { stepMinutes?: number; variables?: string[] } = {},
): Promise<void> {
  const step = stepMinutes * 60_000;
  const start = Math.ceil(from.getTime() / step) * step;
  const times: Date[] = [];
  for (let t = start; t <= to.getTime(); t += step) times.push(new Date(t));
  for (const variable of variables) {
    // Values derived from the time, so a test can compute what a slot must carry.
    const values = times.map((t) => valueAt(variable, t));
    await ctx.db.query(
      `INSERT INTO telemetry_measurements (point_code, variable, measured_at, value_numeric, raw_value, quality_score, provider, config_version)
       SELECT $1, $2, t, v, to_jsonb(v), 1, 'twin', 'compliance-test' FROM unnest($3::timestamptz[], $4::float8[]) AS u(t, v)
       ON CONFLICT DO NOTHING`,
      [code, variable, times, values],
    );
  }
}

/** What the test points measure at `t`. */
export function valueAt(variable: string, t: Date): number {
  const minutes = t.getTime() / 60_000;
  if (variable === 'flow') return 10 + (minutes % 60) / 7;
  if (variable === 'total') return 1_000_000 + Math.floor(minutes / 5) * 3;
  return 20 + (minutes % 120) / 100;
}

let works = 0;
/** A fresh DGA work code, so works never collide between tests of a file. */
export const nextWork = () => `OB-0602-${100 + ++works}${randomInt(10, 99)}`;

export async function insertDgaConfig(
  ctx: Pick<TestContext, 'db'>,
  point: string,
  codigoObra: string,
  {
    standard = 'MAYOR',
    kind = 'SUBTERRANEA',
    credentialsRef = 'dga-main',
    activeFrom,
  }: { standard?: string; kind?: string; credentialsRef?: string; activeFrom: string },
): Promise<string> {
  const { rows } = await ctx.db.query<{ id: string }>(
    `INSERT INTO compliance_configs (point_code, source, standard, dga_codigo_obra, dga_work_kind, credentials_ref, active_from)
     VALUES ($1, 'DGA', $2, $3, $4, $5, $6) RETURNING id::text`,
    [point, standard, codigoObra, kind, credentialsRef, activeFrom],
  );
  return rows[0]!.id;
}

export async function insertSmaConfig(
  ctx: Pick<TestContext, 'db'>,
  point: string,
  device: { ufId: string; procesoId: string; dispositivoId: string; parameters?: string[] },
  activeFrom: string,
): Promise<string> {
  const { rows } = await ctx.db.query<{ id: string }>(
    `INSERT INTO compliance_configs (point_code, source, standard, sma_uf_id, sma_proceso_id, sma_dispositivo_id,
                                     sma_parameters, credentials_ref, active_from)
     VALUES ($1, 'SMA', 'SMA', $2, $3, $4, $5, 'sma-main', $6) RETURNING id::text`,
    [point, device.ufId, device.procesoId, device.dispositivoId, device.parameters ?? ['Q', 'VA', 'NF'], activeFrom],
  );
  return rows[0]!.id;
}

/** The first active day such that the configuration's slots begin at `since` or before it. */
export const activeFromFor = (since: Date) => regulatorDate(since);

/**
 * The configuration's sending starts: the task queue's compliance sender is woken for it (started
 * with `input` if it does not run), as the API does after a create.
 */
export function startConfig(ctx: TestContext, configId: string, taskQueue: string, input?: ComplianceSenderInput) {
  return ensureComplianceSender(ctx.client, { taskQueue, wake: [configId], input });
}

/** The task queue's sender ends (a test file's last step; its claims end with it). */
export async function stopSender(ctx: TestContext, taskQueue: string): Promise<void> {
  await ctx.client.workflow
    .getHandle(senderWorkflowId(taskQueue))
    .terminate('test over')
    .catch(() => {});
}

/** A compliance worker that serves a whole test file, on a task queue of its own. */
export interface ComplianceFileWorker {
  taskQueue: string;
  /** Ends the queue's sender (its claims end with it), then the worker: a file's `afterAll`. */
  stop(): Promise<void>;
}

/** Starts a file's worker (real activities, `extra` overriding their dependencies) without waiting for it. */
export function startComplianceWorker(
  ctx: ComplianceTestContext,
  extra: Partial<ComplianceActivityDeps> = {},
): ComplianceFileWorker {
  const taskQueue = ctx.uniqueQueue('compliance');
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const running = ctx.withWorkers([{ taskQueue, activities: ctx.activities(extra) }], () => released);
  return {
    taskQueue,
    async stop() {
      await stopSender(ctx, taskQueue);
      release();
      await running;
    },
  };
}

/** Runs `fn` with a compliance worker on a fresh task queue; the queue's sender ends with it. */
export function withComplianceWorker<T>(
  ctx: ComplianceTestContext,
  queuePrefix: string,
  fn: (taskQueue: string) => Promise<T>,
  activities = ctx.activities(),
): Promise<T> {
  const taskQueue = ctx.uniqueQueue(queuePrefix);
  return ctx.withWorkers([{ taskQueue, activities }], async () => {
    try {
      return await fn(taskQueue);
    } finally {
      await stopSender(ctx, taskQueue);
    }
  });
}

/** The work's row as the sender left it: its last plan's state, and whether it is claimed now. */
export async function workState(ctx: Pick<TestContext, 'db'>, configId: string) {
  const { rows } = await ctx.db.query<{ state: string; reason: string | null; claimed: string | null }>(
    'SELECT send_state AS state, send_reason AS reason, claimed_by AS claimed FROM compliance_configs WHERE id = $1::bigint',
    [configId],
  );
  return rows[0]!;
}

export interface LedgerRow {
  slot: string;
  status: string;
  receipt: string | null;
  reason: string | null;
  attempts: number;
}

export async function ledger(ctx: Pick<TestContext, 'db'>, configId: string): Promise<LedgerRow[]> {
  const { rows } = await ctx.db.query<{
    slot: Date;
    status: string;
    receipt: string | null;
    reason: string | null;
    attempts: number;
  }>(
    'SELECT slot, status, receipt, reason, attempts FROM compliance_submissions WHERE config_id = $1::bigint ORDER BY slot',
    [configId],
  );
  return rows.map((r) => ({ ...r, slot: r.slot.toISOString() }));
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/**
 * The ledger rows of the slots the test gave data for: from `since` to `until` (when the data was
 * inserted), so an hour that begins during the test (its slot has no data yet) is left out.
 */
export const withData = (rows: LedgerRow[], since: Date, until: Date) =>
  rows.filter((r) => Date.parse(r.slot) >= since.getTime() && Date.parse(r.slot) <= until.getTime());
