import express, { Router } from 'express';
import { PROTOCOL_OF, PROVIDERS, type Provider } from '../../../lib/telemetry/providers';
import { hash32 } from '../cv/generator';
import type { Simulator } from '../index';
import { meterAt, servedValue, simDevice, type MeterReading, type SimDevice } from './generator';
import { mountTago, mountTheThingsIo, mountThingsBoard } from './protocols';
import {
  PROVIDER_DEMO_LOGIN,
  type ProtocolContext,
  type ProviderFaults,
  type ProviderStats,
  type ServedReading,
} from './types';

export { PROVIDER_DEMO_LOGIN, providerUsername } from './types';
export type { ProviderFaults, ProviderStats, ServedReading } from './types';

/**
 * The six telemetry providers, mounted at `/providers/<name>`, each
 * speaking its protocol over the seeded meters of `generator.ts`, with seeded faults a test can
 * switch per provider: down (503), 5xx, 429 with Retry-After, slow answers, malformed bodies,
 * expiring tokens.
 */
export interface ProviderSimulatorOptions {
  seed: number;
  /** @default 6 (one of each profile) */
  devicesPerProvider?: number;
  /** How far back readings exist. @default 7 days */
  historyMinutes?: number;
  /** @default Date.now */
  now?: () => number;
  /**
   * The meters run on the simulator's own clock: its start is this minute of their cycles, so what a
   * test or the demo sees does not depend on the time of day (the reset devices' 150-minute outage
   * every 12 hours, the level cycles). `null`: the meters follow epoch minutes. @default METER_START_MINUTE
   */
  meterStartMinute?: number | null;
  /** JWT lifetime of the ThingsBoard-style logins. @default 3600 */
  tokenTtlSeconds?: number;
  faults?: Partial<Record<Provider, ProviderFaults>>;
}

export interface ProviderSimulator extends Simulator {
  stats: Record<Provider, ProviderStats>;
  devices(provider: Provider): SimDevice[];
  setFaults(provider: Provider, faults: ProviderFaults): void;
  /** What a device reports on the wire for epoch ms [fromMs, toMs], oldest first (sentinels included). */
  served(device: SimDevice, fromMs: number, toMs: number, variables?: readonly (keyof MeterReading)[]): ServedReading[];
  /**
   * A disconnection that the device buffers: its readings in epoch ms [fromMs, toMs] are not
   * served until `releaseReadings`, after which they appear with their original times (late).
   */
  holdReadings(device: SimDevice, fromMs: number, toMs: number): void;
  releaseReadings(device: SimDevice): void;
}

const VARIABLES = ['flow', 'total', 'level'] as const;
const MINUTE = 60_000;
/** 300 minutes into the reset devices' 720 (the next outage 270 minutes away), 60 into the 240 of the level devices (above their alert). */
export const METER_START_MINUTE = 14_400_300;

export function createProviderSimulator(options: ProviderSimulatorOptions): ProviderSimulator {
  const now = options.now ?? Date.now;
  const startMinute = options.meterStartMinute === undefined ? METER_START_MINUTE : options.meterStartMinute;
  const meterShift = startMinute === null ? 0 : startMinute - Math.floor(now() / MINUTE);
  const count = options.devicesPerProvider ?? 6;
  const historyMs = (options.historyMinutes ?? 7 * 1440) * MINUTE;
  const faults: Partial<Record<Provider, ProviderFaults>> = { ...options.faults };
  const stats = Object.fromEntries(
    PROVIDERS.map((p) => [p, { logins: 0, dataCalls: 0, throttled: 0, errors: 0, malformed: 0, unauthorized: 0 }]),
  ) as Record<Provider, ProviderStats>;
  const devices = (provider: Provider) => Array.from({ length: count }, (_, index) => simDevice(provider, index));

  const held = new Map<string, { fromMs: number; toMs: number }[]>();
  const isHeld = (device: SimDevice, ms: number) =>
    (held.get(`${device.provider}/${device.deviceId}`) ?? []).some((range) => ms >= range.fromMs && ms <= range.toMs);

  const served: ProviderSimulator['served'] = (device, fromMs, toMs, variables = VARIABLES) => {
    const newest = Math.floor(now() / MINUTE) * MINUTE;
    const from = Math.max(Math.ceil(fromMs / MINUTE) * MINUTE, newest - historyMs);
    const to = Math.min(toMs, newest);
    const readings: ServedReading[] = [];
    for (let ms = from; ms <= to; ms += MINUTE) {
      const minute = ms / MINUTE + meterShift;
      const meter = meterAt(options.seed, device, minute);
      if (!meter || isHeld(device, ms)) continue;
      const measuredAt = new Date(ms).toISOString();
      for (const variable of variables)
        readings.push({ variable, value: servedValue(options.seed, device, minute, variable, meter), measuredAt });
    }
    return readings;
  };

  const router = Router();
  for (const provider of PROVIDERS) {
    const providerStats = stats[provider];
    const list = devices(provider);
    const context: ProtocolContext = {
      provider,
      seed: options.seed,
      tokenTtlMs: (options.tokenTtlSeconds ?? 3600) * 1000,
      stats: providerStats,
      deviceById: (id) => list.find((device) => device.deviceId === id),
      deviceByToken: (token) => list.find((device) => device.token === token),
      served,
      faults: () => faults[provider] ?? {},
      async fault(_req, res, call) {
        const current = faults[provider] ?? {};
        const roll = (salt: number) => hash32(options.seed, call, 2000 + salt) / 2 ** 32;
        if (current.down || roll(1) < (current.errorRate ?? 0)) {
          providerStats.errors += 1;
          res.status(current.down ? 503 : 500).json({ status: 'error', code: 500, message: 'internal error' });
          return true;
        }
        if (roll(2) < (current.throttleRate ?? 0)) {
          providerStats.throttled += 1;
          res
            .status(429)
            .set('Retry-After', String(current.retryAfterSeconds ?? 1))
            .json({ status: 'error', code: 429, message: 'too many requests' });
          return true;
        }
        if (roll(3) < (current.slowRate ?? 0))
          await new Promise((resolve) => setTimeout(resolve, current.slowMs ?? 2000));
        return false;
      },
      send(res, call, body) {
        const text = JSON.stringify(body);
        const current = faults[provider] ?? {};
        if (hash32(options.seed, call, 2010) / 2 ** 32 < (current.malformedBodyRate ?? 0)) {
          providerStats.malformed += 1;
          res.type('application/json').send(text.slice(0, Math.floor(text.length / 2)));
          return;
        }
        res.type('application/json').send(text);
      },
    };
    const sub = Router();
    sub.use(express.json({ limit: '10kb' }));
    const protocol = PROTOCOL_OF[provider];
    if (protocol === 'thingsboard') mountThingsBoard(sub, context);
    else if (protocol === 'thethingsio') mountTheThingsIo(sub, context);
    else mountTago(sub, context);
    router.use(`/${provider}`, sub);
  }

  return {
    path: '/providers',
    description: `telemetry providers ${PROVIDERS.join(', ')}: ${count} devices each; logins demo@<provider> / ${PROVIDER_DEMO_LOGIN.password}`,
    router,
    stats,
    devices,
    setFaults: (provider, next) => (faults[provider] = next),
    served,
    holdReadings(device, fromMs, toMs) {
      const key = `${device.provider}/${device.deviceId}`;
      held.set(key, [...(held.get(key) ?? []), { fromMs, toMs }]);
    },
    releaseReadings: (device) => held.delete(`${device.provider}/${device.deviceId}`),
  };
}
