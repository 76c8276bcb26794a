import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSimulatorProcess } from './child-process';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createComplianceActivities } from '../activities/compliance';
import { regulatorDate, regulatorDayStart } from '../lib/compliance/calendar';
import { ensureComplianceSender } from '../platform/compliance-sender';
import { createDatabase } from '../lib/db';
import { loadConfig } from '../lib/config';
import { DGA_DEMO_CREDENTIALS } from '../local/simulators/dga';
import { senderWorkflowId, wakeSignal } from '../lib/compliance/sender-contract';
import globalSetup from '../test/harness/global-setup';
import globalTeardown from '../test/harness/global-teardown';
import { createTestContext, type TestContext } from '../test/harness/context';
import { startWorkerProcess } from '../test/harness/worker-process';

/**
 * `npm run bench:compliance`: what Temporal costs the compliance sender, against the same calls in a loop:
 * - **hour**: COMPLIANCE_BENCH_CONFIGS (1,000) MAYOR works send the hour's slot — claim, plan, submit,
 *   verify, release — through Temporal (a worker process running the compliance sender: claims and
 *   batch activities) against a bare loop calling the same activity functions (same HTTP calls and
 *   ledger writes) with the same concurrency (10 batches of 10 lanes: 100 works in flight, over 4
 *   database connections, the worker's); ratio = bare / Temporal (target ≥ 0.7), and the Temporal
 *   wall time (target ≤ 5 min).
 * - **backlog**: COMPLIANCE_BENCH_BACKLOG_WORKS (200) works with 24 pending hourly slots each and a
 *   1-second DGA_BACKLOG_SPACING: the drain's wall time in spacings (about 24 expected) and the
 *   simulator's violations (0 expected).
 * The DGA simulator runs in its own process; COMPLIANCE_BENCH_LATENCY_MS delays each of its answers.
 */
const CONFIGS = Number(process.env.COMPLIANCE_BENCH_CONFIGS ?? 1_000);
const BACKLOG_WORKS = Number(process.env.COMPLIANCE_BENCH_BACKLOG_WORKS ?? 200);
const BACKLOG_HOURS = 24;
const LATENCY_MS = Number(process.env.COMPLIANCE_BENCH_LATENCY_MS ?? 0);
const SPACING_MS = 1_000;
/** The sender's batches per round (ComplianceSenderInput.batches): 10 of 10 lanes each. */
const BATCHES = 10;
/** The worker process's pool (test/fixtures/worker-process.ts). */
const POOL = 4;
const H = 3_600_000;
const log = (line: string) => process.stdout.write(`${line}\n`);
const children: ChildProcess[] = [];

async function startSimulator(): Promise<string> {
  const env = { SPACING_MS: String(SPACING_MS), RETRY_EVERY_MS: String(24 * H), LATENCY_MS: String(LATENCY_MS) };
  return `${await startSimulatorProcess('bench/compliance-simulator-process.ts', env, children)}/dga`;
}

interface Setup {
  ctx: TestContext;
  ids: string[];
  env: Record<string, string>;
  dir: string;
  works: number;
  slots: readonly Date[];
}

let runs = 0;
/**
 * A fresh database with `works` points and one MAYOR configuration each whose earlier slots are
 * already confirmed: only `slots` are left to send, once `measure` gives them their readings (flow,
 * total, level exactly on the hour). Each run's works have their own codes, so the simulator never
 * sees one twice.
 */
async function setUp(works: number, slots: readonly Date[], dgaUrl: string): Promise<Setup> {
  runs += 1;
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-compliance-'));
  const credentialsFile = path.join(dir, 'credentials.json');
  writeFileSync(credentialsFile, JSON.stringify({ 'dga-bench': DGA_DEMO_CREDENTIALS }), { mode: 0o600 });
  chmodSync(credentialsFile, 0o600);
  const env = {
    CREDENTIALS_FILE: credentialsFile,
    DGA_BASE_URL: dgaUrl,
    DGA_BACKLOG_SPACING: `${SPACING_MS}ms`,
    DGA_RETRY_EVERY: '1d',
  };
  const ctx = await createTestContext(env);
  const first = slots[0]!;
  const activeFrom = regulatorDate(first);
  await ctx.db.query(`INSERT INTO telemetry_config_versions (version, config) VALUES ('bench', '{}')`);
  await ctx.db.query(
    `INSERT INTO telemetry_points (code, name, point_type, latitude, longitude, provider, device_id, credentials_ref, frequency_minutes)
     SELECT 'BENCH-' || n, 'bench well ' || n, 'WELL', -33.4, -70.6, 'twin', 'bench-' || n, 'none', 60
       FROM generate_series(1, $1) n`,
    [works],
  );
  const { rows } = await ctx.db.query<{ id: string }>(
    `INSERT INTO compliance_configs (point_code, source, standard, dga_codigo_obra, dga_work_kind, credentials_ref, active_from)
     SELECT 'BENCH-' || n, 'DGA', 'MAYOR', 'OB-' || lpad($2::text, 2, '0') || '01-' || n, 'SUBTERRANEA', 'dga-bench', $3::date
       FROM generate_series(1, $1) n RETURNING id::text`,
    [works, runs, activeFrom],
  );
  await ctx.db.query(
    `INSERT INTO compliance_submissions (config_id, slot, status, receipt, attempts, accepted_at, confirmed_at)
     SELECT c.id, t, 'CONFIRMED', 'bench-prior', 1, t, t FROM compliance_configs c,
            generate_series($1::timestamptz, $2::timestamptz - interval '1 hour', interval '1 hour') t`,
    [regulatorDayStart(activeFrom), first],
  );
  return { ctx, ids: rows.map((r) => r.id), env, dir, works, slots };
}

/** The slots' measurements arrive (the telemetry poll of the hour). */
async function measure({ ctx, works, slots }: Setup): Promise<void> {
  await ctx.db.query(
    `INSERT INTO telemetry_measurements (point_code, variable, measured_at, value_numeric, raw_value, quality_score, provider, config_version)
     SELECT 'BENCH-' || n, v, t, CASE v WHEN 'flow' THEN 12.34 WHEN 'total' THEN 100000 + n ELSE 21.5 END, '0', 1, 'twin', 'bench'
       FROM generate_series(1, $1) n, unnest($2::timestamptz[]) t, unnest(ARRAY['flow', 'total', 'level']) v`,
    [works, slots],
  );
}

async function confirmed(setup: Setup, slots: readonly Date[]): Promise<number> {
  const { rows } = await setup.ctx.db.query<{ n: string }>(
    `SELECT count(*) AS n FROM compliance_submissions WHERE status = 'CONFIRMED' AND slot = ANY($1::timestamptz[])`,
    [slots],
  );
  return Number(rows[0]!.n);
}

async function pending(setup: Setup): Promise<number> {
  const { rows } = await setup.ctx.db.query<{ n: string }>(
    `SELECT count(*) AS n FROM compliance_submissions WHERE status = 'PENDING' AND slot = ANY($1::timestamptz[])`,
    [setup.slots],
  );
  return Number(rows[0]!.n);
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(100);
  }
}

async function tearDown(setup: Setup, taskQueue?: string): Promise<void> {
  if (taskQueue)
    await setup.ctx.client.workflow
      .getHandle(senderWorkflowId(taskQueue))
      .terminate('bench over')
      .catch(() => undefined);
  await setup.ctx.close();
  rmSync(setup.dir, { recursive: true, force: true });
}

/** Per work, the wait between one send's answer and the next send (the spacing plus what the sender adds). */
async function sendGaps(setup: Setup): Promise<{ gapMs: number; p90GapMs: number; sendMs: number }> {
  const { rows } = await setup.ctx.db.query<{ gap: number; p90: number; send: number }>(
    `SELECT avg(gap) AS gap, percentile_cont(0.9) WITHIN GROUP (ORDER BY gap) AS p90, avg(send) AS send FROM (
       SELECT extract(epoch FROM started_at - lag(finished_at) OVER w) * 1000 AS gap,
              extract(epoch FROM finished_at - started_at) * 1000 AS send
         FROM compliance_attempts WHERE kind = 'SUBMIT'
       WINDOW w AS (PARTITION BY config_id ORDER BY started_at)) t`,
  );
  const row = rows[0]!;
  return { gapMs: Number(row.gap), p90GapMs: Number(row.p90), sendMs: Number(row.send) };
}

let lastGaps: Awaited<ReturnType<typeof sendGaps>> | undefined;

/** Through Temporal: from the readings' arrival and the sender's wake-up, until every slot is confirmed. */
async function viaTemporal(works: number, slots: readonly Date[], dgaUrl: string): Promise<number> {
  const setup = await setUp(works, slots, dgaUrl);
  const taskQueue = setup.ctx.uniqueQueue('bench-compliance');
  try {
    const worker = await startWorkerProcess(
      { taskQueue, databaseUrl: setup.ctx.databaseUrl.reveal(), activities: 'compliance', env: setup.env },
      children,
    );
    // Steady state: the sender runs and has planned every work, whose slots wait for data.
    await ensureComplianceSender(setup.ctx.client, { taskQueue, triggeredBy: 'schedule' });
    const all = works * slots.length;
    await until('every work planned', async () => (await pending(setup)) === all, 15 * 60_000);
    // The slot time: the readings arrive and the works wake (a signal here; the sender's timer in production).
    const started = performance.now();
    await measure(setup);
    await setup.ctx.client.workflow.getHandle(senderWorkflowId(taskQueue)).signal(wakeSignal, { configIds: setup.ids });
    await until('every slot confirmed', async () => (await confirmed(setup, slots)) === all, 15 * 60_000);
    const ms = performance.now() - started;
    worker.kill('SIGKILL');
    lastGaps = await sendGaps(setup);
    return ms;
  } finally {
    await tearDown(setup, taskQueue);
  }
}

/** Without Temporal: the same activity functions (a round of 10 batches of 10 lanes), called directly. */
async function bareLoop(works: number, slots: readonly Date[], dgaUrl: string): Promise<number> {
  const setup = await setUp(works, slots, dgaUrl);
  const db = createDatabase({ url: setup.ctx.databaseUrl, max: POOL });
  try {
    const config = loadConfig({ ...process.env, DATABASE_URL: setup.ctx.databaseUrl.reveal(), ...setup.env });
    const activities = createComplianceActivities({ config, db });
    const env = new MockActivityEnvironment();
    // Each call in an activity context (heartbeats go nowhere), as a worker would run it.
    const call = <A, R>(fn: (input: A) => Promise<R>, input: A) => env.run(fn, input) as Promise<R>;
    let rounds = 0;
    const round = async (woken?: string[]) => {
      rounds += 1;
      if (woken) await call(activities.wakeComplianceWorks, { configIds: woken });
      const batch = (i: number) => ({ owner: `bench-bare-loop/${rounds}.${i}` });
      await Promise.all(Array.from({ length: BATCHES }, (_, i) => call(activities.sendDueComplianceWorks, batch(i))));
    };
    // The same starting point: the slots planned and waiting for their readings.
    await round();
    const started = performance.now();
    await measure(setup);
    await round(setup.ids);
    const ms = performance.now() - started;
    const done = await confirmed(setup, slots);
    if (done !== works * slots.length) throw new Error(`bare loop confirmed ${done} of ${works * slots.length}`);
    return ms;
  } finally {
    await db.close();
    await tearDown(setup);
  }
}

async function violations(dgaUrl: string): Promise<unknown[]> {
  return (await (await fetch(`${dgaUrl}/_sim/violations`)).json()) as unknown[];
}

async function main(): Promise<void> {
  await globalSetup();
  try {
    const dgaUrl = await startSimulator();
    // The hour's slot, planned a minute after it (SLOT_SETTLE_MS): wait for that if it is too fresh.
    const hour = Math.floor(Date.now() / H) * H;
    if (Date.now() - hour < 90_000) await sleep(hour + 90_000 - Date.now());
    const slot = [new Date(hour)];
    log(`compliance bench: ${CONFIGS} MAYOR works, slot ${slot[0]!.toISOString()}, DGA latency ${LATENCY_MS} ms`);
    const temporal = await viaTemporal(CONFIGS, slot, dgaUrl);
    log(`  through Temporal: ${(temporal / 1000).toFixed(1)} s (${((CONFIGS * 1000) / temporal).toFixed(0)} slots/s)`);
    const bare = await bareLoop(CONFIGS, slot, dgaUrl);
    log(`  bare loop:        ${(bare / 1000).toFixed(1)} s (${((CONFIGS * 1000) / bare).toFixed(0)} slots/s)`);
    log(`  ratio (bare / Temporal): ${(bare / temporal).toFixed(2)} (target >= 0.7)`);
    log(`  every slot confirmed within 5 minutes: ${temporal <= 5 * 60_000 ? 'yes' : 'NO'}`);

    if (BACKLOG_WORKS === 0) return;
    const backlog = Array.from({ length: BACKLOG_HOURS }, (_, i) => new Date(hour - (BACKLOG_HOURS - 1 - i) * H));
    log(`backlog: ${BACKLOG_WORKS} works × ${BACKLOG_HOURS} hourly slots, spacing ${SPACING_MS} ms`);
    const drain = await viaTemporal(BACKLOG_WORKS, backlog, dgaUrl);
    log(
      `  drained in ${(drain / 1000).toFixed(1)} s = ${(drain / SPACING_MS).toFixed(1)} spacings (about ${BACKLOG_HOURS} expected)`,
    );
    if (lastGaps)
      log(
        `  between a work's sends: ${lastGaps.gapMs.toFixed(0)} ms on average (p90 ${lastGaps.p90GapMs.toFixed(0)} ms; ` +
          `spacing ${SPACING_MS} ms); a send took ${lastGaps.sendMs.toFixed(0)} ms`,
      );
    const found = await violations(dgaUrl);
    log(`  simulator violations over the whole bench: ${found.length}`);
    if (found.length > 0) log(JSON.stringify(found.slice(0, 5)));
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await globalTeardown();
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
