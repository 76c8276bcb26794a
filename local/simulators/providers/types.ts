import type { Request, Response } from 'express';
import type { Provider } from '../../../lib/telemetry/providers';
import type { MeterReading, SimDevice } from './generator';

export const PROVIDER_DEMO_LOGIN = { password: 'demo-password' } as const;
export const providerUsername = (provider: Provider) => `demo@${provider}`;

export interface ProviderFaults {
  /** Every data call answers 503. */
  down?: boolean;
  errorRate?: number;
  throttleRate?: number;
  /** @default 1 */
  retryAfterSeconds?: number;
  slowRate?: number;
  /** @default 2000 */
  slowMs?: number;
  malformedBodyRate?: number;
  /** Every Nth data call finds its token expired (ThingsBoard-style only). */
  expireTokenEveryCalls?: number;
}

export interface ProviderStats {
  logins: number;
  dataCalls: number;
  throttled: number;
  errors: number;
  malformed: number;
  unauthorized: number;
}

export interface ServedReading {
  variable: keyof MeterReading;
  value: number;
  measuredAt: string;
}

/** Context each protocol's handlers get. */
export interface ProtocolContext {
  provider: Provider;
  seed: number;
  tokenTtlMs: number;
  stats: ProviderStats;
  deviceById(id: string): SimDevice | undefined;
  deviceByToken(token: string): SimDevice | undefined;
  served(device: SimDevice, fromMs: number, toMs: number, variables?: readonly (keyof MeterReading)[]): ServedReading[];
  /** Applies the provider's faults to a data call; true when it answered already. */
  fault(req: Request, res: Response, call: number): Promise<boolean>;
  faults(): ProviderFaults;
  send(res: Response, call: number, body: unknown): void;
}
