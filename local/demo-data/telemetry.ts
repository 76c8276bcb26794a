import type { Database } from '../../lib/db';
import { addDemoSubscriberOnce } from '../../data/notifications';
import { FREQUENCIES, PROTOCOL_OF, PROVIDERS, type Frequency, type Provider } from '../../lib/telemetry/providers';
import { ROLLOVER_MAX, simDevice, TDATA_PULSES_PER_LITRE, type SimDevice } from '../simulators/providers/generator';
import { PROVIDER_DEMO_LOGIN, providerUsername } from '../simulators/providers/types';

/**
 * Demo catchment points over every simulated device of the six providers, and the credentials
 * file entries they refer to. Used by `npm start` and by the tests, so both poll the same meters.
 */

export const DEMO_TEMPLATE = 'well-default';

export interface DemoPoint {
  code: string;
  provider: Provider;
  device: SimDevice;
  credentialsRef: string;
  frequency: Frequency;
  overrides: Record<string, unknown>;
}

export const credentialsRefOf = (device: SimDevice) =>
  PROTOCOL_OF[device.provider] === 'thingsboard'
    ? `${device.provider}-account`
    : `${device.provider}-device-${device.index + 1}`;

export function demoPoints(options: { devicesPerProvider?: number; frequency?: Frequency } = {}): DemoPoint[] {
  const points: DemoPoint[] = [];
  for (const provider of PROVIDERS) {
    for (let index = 0; index < (options.devicesPerProvider ?? 6); index++) {
      const device = simDevice(provider, index);
      const overrides: Record<string, unknown> = {};
      if (device.profile === 'rollover') overrides.registerMax = ROLLOVER_MAX;
      if (device.profile === 'level') overrides.installationDepth = 100;
      if (provider === 'tdata') overrides.variables = { total: { pulse: { pulsesPerLitre: TDATA_PULSES_PER_LITRE } } };
      points.push({
        code: `${provider.toUpperCase()}-${index + 1}`,
        provider,
        device,
        credentialsRef: credentialsRefOf(device),
        frequency: options.frequency ?? FREQUENCIES[index % FREQUENCIES.length]!,
        overrides,
      });
    }
  }
  return points;
}

/** The CREDENTIALS_FILE entries of the demo points, against the simulators at `simulatorsUrl`. */
export function demoCredentials(simulatorsUrl: string, points: readonly DemoPoint[]): Record<string, unknown> {
  const entries: Record<string, unknown> = {};
  for (const point of points) {
    const baseUrl = `${simulatorsUrl}/providers/${point.provider}`;
    entries[point.credentialsRef] =
      PROTOCOL_OF[point.provider] === 'thingsboard'
        ? { baseUrl, username: providerUsername(point.provider), password: PROVIDER_DEMO_LOGIN.password }
        : { baseUrl, token: point.device.token };
  }
  return entries;
}

/** Registers the template and the points (a second call changes nothing). */
export async function registerDemoPoints(db: Database, points: readonly DemoPoint[]): Promise<void> {
  await db.query(
    `INSERT INTO telemetry_templates (name, description, config) VALUES ($1, $2, '{}')
     ON CONFLICT (name) DO NOTHING`,
    [DEMO_TEMPLATE, 'A well with flow (l/s), total (m³) and level (m): the seed 002 defaults'],
  );
  for (const point of points) {
    const n = point.device.index;
    await db.query(
      `INSERT INTO telemetry_points (code, name, point_type, latitude, longitude, altitude, provider, device_id,
                                     credentials_ref, frequency_minutes, template_name, overrides)
       VALUES ($1, $2, 'WELL', $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (code) DO NOTHING`,
      [
        point.code,
        `Demo well ${point.code} (${point.device.profile})`,
        -33.45 - n * 0.01,
        -70.66 - PROVIDERS.indexOf(point.provider) * 0.01,
        520 + n,
        point.provider,
        point.device.deviceId,
        point.credentialsRef,
        point.frequency,
        DEMO_TEMPLATE,
        JSON.stringify(point.overrides),
      ],
    );
  }
}

/** A demo operator subscribed to every point's alerts by email and SMS, once (the local inbox shows them). */
export async function registerDemoSubscriber(db: Database): Promise<void> {
  await addDemoSubscriberOnce(db);
}
