import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createCredentialsStore } from '../../platform/credentials';
import { pollPoint } from '../../activities/telemetry/poll';
import { createProviderAdapters } from '../../activities/telemetry/providers';
import { loadPoints } from '../../activities/telemetry/store';
import { createDatabase, type Database } from '../../lib/db';
import { migrate } from '../../lib/migrate';
import { Secret } from '../../lib/secret';
import { demoCredentials, demoPoints, registerDemoPoints } from '../../local/demo-data/telemetry';
import { createProviderSimulator } from '../../local/simulators/providers';
import { startSimulatorServer, type RunningSimulators } from '../../local/simulators/server';
import { startTimescale, type TimescaleProcess } from '../fixtures/timescale-process';
import { expectedMeasurements, storedMeasurements, storedRaw } from './harness';

/**
 * Telemetry on a real TimescaleDB (PGlite's build, see test/fixtures/pglite-timescale.ts): after
 * the migrations, raw readings and measurements are hypertables and the raw readings' 30 days a
 * retention policy; polls (late readings included) store into chunks as on plain PostgreSQL.
 */
const MINUTE = 60_000;
const sim = createProviderSimulator({ seed: 11 });
const points = demoPoints({ frequency: 1 });
let simServer: RunningSimulators;
let server: TimescaleProcess | undefined;
let db: Database;
let dir: string;

beforeAll(async () => {
  simServer = await startSimulatorServer([sim], 0);
  dir = mkdtempSync(path.join(tmpdir(), 'telemetry-timescale-'));
  writeFileSync(path.join(dir, 'credentials.json'), JSON.stringify(demoCredentials(simServer.url, points)));
  chmodSync(path.join(dir, 'credentials.json'), 0o600);
  server = await startTimescale();
  const url = new Secret(`postgres://postgres:postgres@${server.address}/postgres`);
  await migrate(url);
  // One connection at a time (the PGlite socket server).
  db = createDatabase({ url, max: 1 });
  await registerDemoPoints(db, points);
}, 120_000);
afterAll(async () => {
  await db?.close();
  await server?.stop();
  await simServer?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('telemetry on TimescaleDB', () => {
  it('has raw readings and measurements as hypertables, and the raw readings 30-day retention as a policy', async () => {
    const hypertables = await db.query(
      "SELECT hypertable_name AS name FROM timescaledb_information.hypertables WHERE hypertable_name LIKE 'telemetry_%' ORDER BY 1",
    );
    expect(hypertables.rows).toEqual([{ name: 'telemetry_measurements' }, { name: 'telemetry_raw_readings' }]);
    const retention = await db.query(
      "SELECT hypertable_name AS name, config->>'drop_after' AS drop_after FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention' AND hypertable_name LIKE 'telemetry_%'",
    );
    expect(retention.rows).toEqual([{ name: 'telemetry_raw_readings', drop_after: '30 days' }]);
  });

  it('polls into chunks, takes late readings in, and a repeated poll stores nothing twice', async () => {
    const point = points.find((p) => p.code === 'TWIN-2')!; // counter resets after outages
    const [row] = await loadPoints(db, [point.code]);
    const adapters = createProviderAdapters(new Map());
    const deps = {
      db,
      adapter: adapters[point.provider],
      credentials: createCredentialsStore(path.join(dir, 'credentials.json')),
      http: {},
      now: () => new Date(),
      initialLookbackMinutes: 180,
    };
    const now = Math.floor(Date.now() / MINUTE) * MINUTE;
    sim.holdReadings(point.device, now - 40 * MINUTE, now - 10 * MINUTE);
    const first = await pollPoint(deps, row!);
    expect(first.readings).toBeGreaterThan(0);
    sim.releaseReadings(point.device);
    const second = await pollPoint(deps, row!);
    expect(second.late).toBeGreaterThan(0);

    const raw = await storedRaw({ db }, point.code);
    const served = sim.served(point.device, Date.parse(raw[0]!.measuredAt), Date.parse(raw.at(-1)!.measuredAt));
    expect(raw.length).toBe(served.length);
    expect(await storedMeasurements({ db }, point.code)).toEqual(expectedMeasurements(point, raw));
    const chunks = await db.query<{ table: string; n: number }>(
      `SELECT hypertable_name AS table, count(*)::int AS n FROM timescaledb_information.chunks
        WHERE hypertable_name LIKE 'telemetry_%' GROUP BY 1 ORDER BY 1`,
    );
    expect(chunks.rows.map((r) => r.table)).toEqual(['telemetry_measurements', 'telemetry_raw_readings']);

    // Polled again at once: the overlap is fetched again, and nothing of it is stored twice.
    const measurements = (await storedMeasurements({ db }, point.code)).length;
    const third = await pollPoint(deps, row!);
    expect((await storedRaw({ db }, point.code)).length).toBe(raw.length + third.readings);
    expect(third.late).toBe(0);
    expect((await storedMeasurements({ db }, point.code)).length).toBeGreaterThanOrEqual(measurements);
  }, 120_000);
});
