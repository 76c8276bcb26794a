import { insertDemoConfig } from '../../data/compliance';
import type { Database } from '../../lib/db';
import { DGA_DEMO_CREDENTIALS, DGA_DEMO_FOREIGN_WORK } from '../simulators/dga';
import { SMA_DEMO_CREDENTIALS } from '../simulators/sma';

/**
 * Demo compliance configurations over the telemetry demo's clean meters, against the simulated DGA
 * and SMA: two DGA works online hourly (groundwater and surface with flowmeter), one work whose
 * registered informant is someone else (it becomes BLOCKED on its first send and notifies), one
 * manual MENOR work (listed, never sent), and two SMA devices.
 */
export const DEMO_COMPLIANCE_CREDENTIALS = { 'dga-demo': DGA_DEMO_CREDENTIALS, 'sma-demo': SMA_DEMO_CREDENTIALS };

export const DEMO_COMPLIANCE_CONFIGS = [
  { point: 'TWIN-1', source: 'DGA', standard: 'MAYOR', obra: 'OB-0601-1', kind: 'SUBTERRANEA' },
  { point: 'NETTRA-1', source: 'DGA', standard: 'MAYOR', obra: 'OB-0602-2', kind: 'SUPERFICIAL_FLUJOMETRO' },
  { point: 'NOVUS-1', source: 'DGA', standard: 'MAYOR', obra: DGA_DEMO_FOREIGN_WORK, kind: 'SUBTERRANEA' },
  { point: 'TAGO-1', source: 'DGA', standard: 'MENOR', obra: 'OB-0603-4', kind: 'SUBTERRANEA' },
  { point: 'THINGSIO-1', source: 'SMA', standard: 'SMA', sma: ['3451', '8021', '12180'] },
  { point: 'TDATA-1', source: 'SMA', standard: 'SMA', sma: ['3452', '8022', '22001'] },
] as const;

/**
 * Registers them once (a second start changes nothing), reporting from the day before the first
 * start, so the readings the first telemetry poll fetches are a backlog to send.
 */
export async function registerDemoComplianceConfigs(db: Database): Promise<void> {
  for (const config of DEMO_COMPLIANCE_CONFIGS) {
    const sma = 'sma' in config ? config.sma : [null, null, null];
    await insertDemoConfig(db, {
      pointCode: config.point,
      source: config.source,
      standard: config.standard,
      dga: 'obra' in config ? { codigoObra: config.obra, workKind: config.kind } : null,
      sma: { ufId: sma[0], procesoId: sma[1], dispositivoId: sma[2] },
      credentialsRef: config.source === 'DGA' ? 'dga-demo' : 'sma-demo',
    });
  }
}
