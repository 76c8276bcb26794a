import type { Router } from 'express';

/**
 * The simulated upstreams (SPEC §3): one HTTP server, each simulator under its own path
 * (`/cv`, `/providers/<name>`, `/dga`, `/sma`), following `shared/contracts/`. Each family
 * adds its simulator here; simulators are deterministic (seeded) so tests can compare results.
 */
export interface Simulator {
  /** Mount path, e.g. `/cv`. */
  path: string;
  /** What the banner says about it (demo credentials, volume). */
  description: string;
  router: Router;
}

export interface SimulatorOptions {
  /** Seed of the demo data, so every start serves the same data. */
  seed: number;
}

export function createSimulators(_options: SimulatorOptions): Simulator[] {
  return [];
}
