import express, { Router } from 'express';
import type { Simulator } from '../index';
import { eventAt, hash32, isInvalid, recordIdOf, type GeneratorOptions } from './generator';

/**
 * The CV platform simulator, mounted at `/cv`: login with expiring tokens,
 * newest-first offset pages, and seeded faults (429 with Retry-After, 5xx, slow answers,
 * malformed bodies, malformed events, events arriving while a client pages). Its controls let a
 * test change faults, add events, and ask which events were served valid and invalid.
 */
export const CV_DEMO_CREDENTIALS = { username: 'demo', password: 'demo-password' } as const;

export interface CvFaults {
  /** Shares (0..1) of data calls answered 429, 5xx, slowly, or with a malformed body. */
  throttleRate?: number;
  errorRate?: number;
  slowRate?: number;
  malformedBodyRate?: number;
  /** @default 1 */
  retryAfterSeconds?: number;
  /** @default 2000 */
  slowMs?: number;
  /** Every Nth data call finds its token expired (401 token_expired). */
  expireTokenEveryCalls?: number;
}

export interface CvSimulatorOptions {
  seed: number;
  /** Events present at start. */
  volume: number;
  /** The events span this many days, the newest at `endMs`. @default 21 */
  spanDays?: number;
  /** @default now, to the minute */
  endMs?: number;
  invalidRate?: number;
  /** Token lifetime. @default 3600 */
  tokenTtlSeconds?: number;
  faults?: CvFaults;
  /** New events arriving while clients page: `count` more every `everyCalls` data calls. */
  arrivals?: { everyCalls: number; count: number };
  username?: string;
  password?: string;
}

export interface CvSimulatorStats {
  logins: number;
  dataCalls: number;
  throttled: number;
  errors: number;
  slow: number;
  malformedBodies: number;
  expiredTokens: number;
  total: number;
}

export interface CvSimulator extends Simulator {
  stats: CvSimulatorStats;
  setFaults(faults: CvFaults): void;
  setArrivals(arrivals: CvSimulatorOptions['arrivals']): void;
  /** Adds `count` new events at the top (newest). */
  addEvents(count: number): void;
  /** Every event that exists now, split as the contract's validation splits them. */
  catalog(): { validRecordIds: number[]; invalidRaws: string[] };
  /** The events served so far in well-formed pages. */
  served(): { validRecordIds: number[]; invalidRaws: string[] };
}

export function createCvSimulator(options: CvSimulatorOptions): CvSimulator {
  const spanMs = (options.spanDays ?? 21) * 86_400_000;
  const endMs = options.endMs ?? Math.floor(Date.now() / 60_000) * 60_000;
  const stepMs = Math.max(1, Math.floor(spanMs / Math.max(1, options.volume)));
  const generator: GeneratorOptions = {
    seed: options.seed,
    invalidRate: options.invalidRate,
    startMs: endMs - stepMs * Math.max(0, options.volume - 1),
    stepMs,
  };
  const username = options.username ?? CV_DEMO_CREDENTIALS.username;
  const password = options.password ?? CV_DEMO_CREDENTIALS.password;
  const ttlMs = (options.tokenTtlSeconds ?? 3600) * 1000;
  let faults: CvFaults = options.faults ?? {};
  let arrivals = options.arrivals;
  const tokens = new Map<string, number>();
  let served = new Uint8Array(Math.max(16, options.volume));
  const stats: CvSimulatorStats = {
    logins: 0,
    dataCalls: 0,
    throttled: 0,
    errors: 0,
    slow: 0,
    malformedBodies: 0,
    expiredTokens: 0,
    total: options.volume,
  };

  const addEvents = (count: number) => {
    stats.total += count;
    if (stats.total > served.length) {
      const grown = new Uint8Array(Math.max(stats.total, served.length * 2));
      grown.set(served);
      served = grown;
    }
  };

  const split = (include: (index: number) => boolean) => {
    const validRecordIds: number[] = [];
    const invalidRaws: string[] = [];
    for (let index = 0; index < stats.total; index++) {
      if (!include(index)) continue;
      if (isInvalid(generator, index)) invalidRaws.push(JSON.stringify(eventAt(generator, index)));
      else validRecordIds.push(recordIdOf(index));
    }
    return { validRecordIds, invalidRaws };
  };

  const router = Router();
  router.use(express.json({ limit: '10kb' }));

  router.post('/api/auth/login', (req, res) => {
    const body = (req.body ?? {}) as { username?: unknown; password?: unknown };
    if (body.username !== username || body.password !== password) {
      res.status(401).json({ error: 'invalid_credentials' });
      return;
    }
    stats.logins += 1;
    const token = `cv-${options.seed}-${stats.logins}-${hash32(options.seed, stats.logins, 77).toString(16)}`;
    tokens.set(token, Date.now() + ttlMs);
    res.json({ token, expiresIn: ttlMs / 1000 });
  });

  router.get('/api/telemetry', async (req, res) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expiresAt = token === undefined ? undefined : tokens.get(token);
    if (expiresAt === undefined) {
      res.status(401).json({ error: 'invalid_token' });
      return;
    }
    const call = ++stats.dataCalls;
    const roll = (salt: number) => hash32(options.seed, call, 1000 + salt) / 2 ** 32;
    const forcedExpiry = faults.expireTokenEveryCalls !== undefined && call % faults.expireTokenEveryCalls === 0;
    if (expiresAt < Date.now() || forcedExpiry) {
      tokens.delete(token!);
      stats.expiredTokens += 1;
      res.status(401).json({ error: 'token_expired' });
      return;
    }
    const offset = Number(req.query.offset ?? 0);
    const limit = Number(req.query.limit ?? 100);
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(limit) || limit < 1 || limit > 1000) {
      res.status(400).json({ error: 'invalid_parameters', detail: 'offset >= 0, limit 1..1000' });
      return;
    }
    if (roll(1) < (faults.throttleRate ?? 0)) {
      stats.throttled += 1;
      res
        .status(429)
        .set('Retry-After', String(faults.retryAfterSeconds ?? 1))
        .json({ error: 'rate_limited' });
      return;
    }
    if (roll(2) < (faults.errorRate ?? 0)) {
      stats.errors += 1;
      res.status(roll(3) < 0.5 ? 500 : 503).json({ error: 'internal' });
      return;
    }
    if (roll(4) < (faults.slowRate ?? 0)) {
      stats.slow += 1;
      await new Promise((resolve) => setTimeout(resolve, faults.slowMs ?? 2000));
    }
    if (arrivals && call % arrivals.everyCalls === 0) addEvents(arrivals.count);
    const items: unknown[] = [];
    const newest = stats.total - 1 - offset;
    for (let index = newest; index >= 0 && index > newest - limit; index--) items.push(eventAt(generator, index));
    const body = JSON.stringify({ total: stats.total, offset, limit, items });
    if (roll(5) < (faults.malformedBodyRate ?? 0)) {
      stats.malformedBodies += 1;
      res.type('application/json').send(body.slice(0, Math.floor(body.length / 2)));
      return;
    }
    for (let index = newest; index >= 0 && index > newest - limit; index--) served[index] = 1;
    res.type('application/json').send(body);
  });

  return {
    path: '/cv',
    description: `CV platform: ${stats.total} events over ${options.spanDays ?? 21} days; login ${username} / ${password}`,
    router,
    stats,
    setFaults: (next) => (faults = next),
    setArrivals: (next) => (arrivals = next),
    addEvents,
    catalog: () => split(() => true),
    served: () => split((index) => served[index] === 1),
  };
}
