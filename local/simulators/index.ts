import type { Router } from 'express';
import { createCvSimulator } from './cv';
import { createDgaSimulator, DGA_DEMO_FOREIGN_WORK } from './dga';
import { createProviderSimulator } from './providers';
import { createSmaSimulator } from './sma';
import { createSmsSimulator } from './sms';

/**
 * The simulated upstreams, so the whole system runs and is tested without the real services: one
 * HTTP server, each simulator under its own path (`/cv`, `/providers/<name>`, `/dga`, `/sma`),
 * answering as the real service does. Each family
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

/** Demo volume of the CV simulator under `npm start`: three weeks of events. */
export const CV_DEMO_VOLUME = 30_000;

export function createSimulators(options: SimulatorOptions): Simulator[] {
  return [
    createCvSimulator({ seed: options.seed, volume: CV_DEMO_VOLUME, spanDays: 21 }),
    createProviderSimulator({ seed: options.seed }),
    createSmsSimulator(),
    // Regulators with their demo credentials (DGA_DEMO_CREDENTIALS, SMA_DEMO_CREDENTIALS) and rules.
    createDgaSimulator({ seed: options.seed, informantMismatch: [DGA_DEMO_FOREIGN_WORK] }),
    createSmaSimulator({ seed: options.seed }),
  ];
}

export { DGA_DEMO_CREDENTIALS, DGA_DEMO_FOREIGN_WORK } from './dga';
export { SMA_DEMO_CREDENTIALS, SMA_DEMO_DEVICES } from './sma';
