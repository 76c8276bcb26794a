import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Database } from '../../lib/db';
import type { Logger } from '../../lib/logger';
import { localDateOf } from '../../lib/metrics/periods';
import { generateMetricsDemoData } from './metrics';
import { DEMO_COMPLIANCE_CREDENTIALS, registerDemoComplianceConfigs } from './compliance';
import { demoCredentials, demoPoints, registerDemoPoints, registerDemoSubscriber } from './telemetry';

/** Weeks of demo marketplace activity `npm start` gives an empty local database. */
const DEMO_DAYS = 28;

/**
 * Fills the local (embedded) database with demo data once, so the pipelines have something to
 * compute on the first start. Never called with a configured DATABASE_URL.
 */
export async function seedDemoData(db: Database, timeZone: string, logger: Logger): Promise<void> {
  // Telemetry demo points over every simulated provider (idempotent, also on a reused database).
  await registerDemoPoints(db, demoPoints());
  await registerDemoSubscriber(db);
  await registerDemoComplianceConfigs(db);
  const { rows } = await db.query<{ seeded: boolean }>('SELECT EXISTS (SELECT 1 FROM asesores) AS seeded');
  if (rows[0]?.seeded) return;
  const started = Date.now();
  const counts = await generateMetricsDemoData(db, {
    seed: 1,
    firstDate: localDateOf(new Date(), timeZone, -DEMO_DAYS),
    days: DEMO_DAYS,
    requestsPerDay: 300,
    advisors: 40,
    timeZone,
    eventsPerDay: 200,
    eventDays: DEMO_DAYS + 17,
  });
  logger.info({ ...counts, ms: Date.now() - started }, 'metrics demo data generated');
}

/**
 * Writes `<dataDir>/credentials.json` (mode 600) for the demo points and the demo regulator
 * configurations, against the simulators at `simulatorsUrl`; returns its path.
 */
export function writeDemoCredentials(dataDir: string, simulatorsUrl: string): string {
  const file = path.resolve(dataDir, 'credentials.json');
  mkdirSync(dataDir, { recursive: true });
  const entries = { ...demoCredentials(simulatorsUrl, demoPoints()), ...DEMO_COMPLIANCE_CREDENTIALS };
  writeFileSync(file, `${JSON.stringify(entries, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}
