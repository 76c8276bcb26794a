import type { Variable } from '../../../lib/telemetry/config';
import type { RawReading } from '../../../lib/telemetry/rules';
import type { HttpOptions } from './http';

/** What an adapter is asked for: one device, each variable since its watermark (exclusive), up to `until`. */
export interface FetchRequest {
  deviceId: string;
  /** Per variable: readings after this instant (undefined: from `from`). */
  since: Partial<Record<Variable, Date>>;
  /** Where a variable without a watermark starts. */
  from: Date;
  until: Date;
  variables: readonly Variable[];
}

export interface FetchResult {
  readings: RawReading[];
  /** Values the provider sent that are not measurements (Novus -3200, Tago status codes). */
  sentinels: number;
  calls: number;
}

export interface ProviderAdapter {
  fetchReadings(request: FetchRequest, credentials: unknown, http: HttpOptions): Promise<FetchResult>;
}

/** The exclusive lower bound of a variable's window. */
export const sinceOf = (request: FetchRequest, variable: Variable): number =>
  (request.since[variable] ?? new Date(request.from.getTime() - 1)).getTime();
